"""Small stores for the data-check tests: rows written straight into the entity tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hub import tables
from hub.config import HubConfig, parse_config
from hub.store import Store

NOW = datetime(2015, 1, 1, 2, 0)
PROJECT = "2014-440300-47-01-000001"


def utc(day: date, hour: int = 10) -> datetime:
    """A China-time office hour on ``day`` as naive UTC."""
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


def provenance(key: str, connector: str = "zjj") -> dict[str, Any]:
    return {"src_connector": connector, "src_key": key, "synced_at": NOW}


async def put(store: Store, entity: str, *rows: dict[str, Any], connector: str = "zjj") -> None:
    """Insert ``rows`` of ``entity`` (its key field first) as synced by ``connector``."""
    table = tables.entity_tables[entity]
    key = next(iter(table.primary_key.columns)).name
    async with store.write() as conn:
        await conn.execute(
            table.insert(), [{**provenance(str(r[key]), connector), **r} for r in rows]
        )


async def catalogue(store: Store) -> None:
    """Two departments; a planning permit (GHJ-001) that the construction permit (ZJJ-007)
    requires."""
    await put(
        store,
        "department",
        {"code": "GHJ", "name": "规划国土委"},
        {"code": "ZJJ", "name": "住房建设局"},
        connector="platform",
    )
    await put(
        store,
        "matter",
        {
            "code": "GHJ-001",
            "name": "规划许可",
            "department_code": "GHJ",
            "stage": "ENGINEERING_PERMIT",
            "prerequisites": [],
        },
        {
            "code": "ZJJ-007",
            "name": "施工许可",
            "department_code": "ZJJ",
            "stage": "CONSTRUCTION_PERMIT",
            "prerequisites": ["GHJ-001"],
        },
        connector="platform",
    )


async def project(store: Store, code: str = PROJECT, **values: Any) -> None:
    await put(
        store,
        "project",
        {"code": code, "name": "测试项目", "registered_at": utc(date(2014, 1, 2), 9), **values},
        connector="fgw",
    )


async def filing(
    store: Store,
    key: str,
    matter: str,
    *,
    status: str = "APPROVED",
    submitted: date = date(2014, 3, 3),
    accepted: date | None = date(2014, 3, 4),
    completed: date | None = date(2014, 3, 20),
    project_code: str = PROJECT,
    connector: str = "zjj",
    **values: Any,
) -> None:
    await put(
        store,
        "filing",
        {
            "key": key,
            "project_code": project_code,
            "matter_code": matter,
            "status": status,
            "submitted_at": utc(submitted, 9),
            "accepted_at": None if accepted is None else utc(accepted),
            "completed_at": None if completed is None else utc(completed, 16),
            **values,
        },
        connector=connector,
    )


async def outcome(
    store: Store,
    key: str,
    filing_key: str,
    *,
    issued: date = date(2014, 3, 20),
    decision: str = "APPROVED",
    project_code: str = PROJECT,
    connector: str = "zjj",
    **values: Any,
) -> None:
    await put(
        store,
        "outcome",
        {
            "key": key,
            "filing_key": filing_key,
            "project_code": project_code,
            "decision": decision,
            "issued_at": utc(issued, 16),
            **values,
        },
        connector=connector,
    )


def config(**checks: Any) -> HubConfig:
    """A config with the test's connectors (sql kind, never run) and ``[checks]`` settings."""
    connectors = [
        {"name": name, "kind": "sql", "department": department, "url": "sqlite:///unused.db"}
        for name, department in (("platform", None), ("fgw", "FGW"), ("ghj", "GHJ"), ("zjj", "ZJJ"))
    ]
    return parse_config({"connectors": connectors, "checks": checks})
