"""Store rows for schema tests, inserted with SQLAlchemy Core into the real store tables (until
the sync engine can fill a store from demo sources)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table

from hub import tables
from hub.store import Store

SYNCED = datetime(2026, 1, 5, 8, 0, 0)
DAY0 = datetime(2014, 3, 1, 1, 30, 0)
CONNECTOR = "seed"
ORPHAN_PROJECT = "2014-440300-47-01-999999"
DELETED_PROJECT = "2014-440300-47-01-900000"


def project_code(i: int) -> str:
    return f"2014-440300-47-01-{i:06d}"


def _provenance(source_key: str, row: dict[str, Any]) -> dict[str, Any]:
    return row | {
        "src_connector": CONNECTOR,
        "src_key": source_key,
        "synced_at": SYNCED,
        "deleted_at": None,
    }


def department(code: str, name: str, **values: Any) -> dict[str, Any]:
    row = {"code": code, "name": name, "credit_code": None, "short_name": None}
    return _provenance(code, row) | values


def matter(code: str, department_code: str, **values: Any) -> dict[str, Any]:
    row = {
        "code": code,
        "name": f"事项 {code}",
        "department_code": department_code,
        "stage": "LAND_PLANNING",
        "time_limit_class": "ORDINARY",
        "time_limit_days": 10,
        "prerequisites": [],
    }
    return _provenance(code, row) | values


def project(code: str, **values: Any) -> dict[str, Any]:
    row = {
        "code": code,
        "name": f"项目 {code[-6:]}",
        "category": "BUILDING",
        "funding": "GOVERNMENT",
        "owner_name": "深圳市建筑工务署",
        "owner_credit_code": "11440300MB2C39106K",
        "district": "440304",
        "total_investment": 12_345.5,
        "registered_at": DAY0.date(),
        "status": "UNDER_APPROVAL",
    }
    return _provenance(code, row) | values


def filing(key: str, project_code: str, matter_code: str, **values: Any) -> dict[str, Any]:
    row = {
        "key": key,
        "project_code": project_code,
        "matter_code": matter_code,
        "department_code": None,
        "submitted_at": DAY0,
        "accepted_at": None,
        "completed_at": None,
        "status": "SUBMITTED",
        "time_limit_days": 10,
        "materials": ["申请表", "立项批复"],
    }
    return _provenance(key, row) | values


def event(key: str, filing_key: str, occurred_at: datetime, **values: Any) -> dict[str, Any]:
    row = {
        "key": key,
        "filing_key": filing_key,
        "project_code": None,
        "step": "ACCEPT",
        "division": "审批处",
        "actor": "张三",
        "occurred_at": occurred_at,
        "opinion": None,
    }
    return _provenance(key, row) | values


def outcome(key: str, filing_key: str, **values: Any) -> dict[str, Any]:
    row = {
        "key": key,
        "filing_key": filing_key,
        "project_code": None,
        "decision": "APPROVED",
        "document_type": "批复",
        "document_number": f"深发改〔2014〕{key}号",
        "issued_at": (DAY0 + timedelta(days=5)).date(),
        "valid_until": date(2016, 3, 1),
        "issuer": "深圳市发展和改革委员会",
        "holder": "深圳市建筑工务署",
        "attributes": {"floorArea": 1200.5},
    }
    return _provenance(key, row) | values


async def insert(store: Store, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        async with store.write() as conn:
            await conn.execute(table.insert(), rows)


DIVISIONS = {"440300": "深圳市", "440303": "罗湖区", "440304": "福田区", "440305": "南山区"}


async def seed_catalogue(store: Store) -> None:
    """Three departments and matters (with prerequisites), and a deleted one of each; and
    Shenzhen's divisions of the seed's projects (449999 stays unknown)."""
    await insert(
        store,
        tables.divisions,
        [
            _provenance(
                code, {"code": code, "name": name, "parent": None if code == "440300" else "440300"}
            )
            for code, name in DIVISIONS.items()
        ],
    )
    await insert(
        store,
        tables.departments,
        [
            department(
                "FGW",
                "深圳市发展和改革委员会",
                credit_code="11440300MB2C2123XK",
                short_name="发改委",
            ),
            department("GT", "深圳市规划和国土资源委员会", short_name="规土委"),
            department("ZJ", "深圳市住房和建设局", short_name="住建局"),
            department("OLD", "已撤销部门", deleted_at=SYNCED),
        ],
    )
    await insert(
        store,
        tables.matters,
        [
            matter("FGW-001", "FGW", name="政府投资项目建议书审批"),
            matter(
                "GT-001",
                "GT",
                name="建设用地规划许可",
                prerequisites=["FGW-001"],
                time_limit_class="COMPLEX",
                time_limit_days=20,
            ),
            matter(
                "ZJ-001",
                "ZJ",
                name="建筑工程施工许可",
                stage="CONSTRUCTION_PERMIT",
                prerequisites=["GT-001", "FGW-001", "NO-SUCH", "OLD-001"],
                time_limit_class="IMMEDIATE",
                time_limit_days=1,
            ),
            matter("OLD-001", "FGW", name="已取消事项", deleted_at=SYNCED),
        ],
    )


async def seed_projects(store: Store, count: int, *, start: int = 0) -> list[str]:
    """``count`` projects, each with two filings (the first with three events and an outcome,
    the second with one event and no department of its own), their codes returned."""
    codes = [project_code(i) for i in range(start, start + count)]
    districts = ["440303", "440304", "440305", "449999"]
    projects, filings, events, outcomes = [], [], [], []
    for n, code in enumerate(codes):
        i = start + n
        projects.append(project(code, district=districts[i % len(districts)]))
        first, second = f"F{i:06d}-1", f"F{i:06d}-2"
        filings.append(
            filing(
                second, code, "GT-001", submitted_at=DAY0 + timedelta(days=2), status="IN_PROGRESS"
            )
        )
        filings.append(
            filing(
                first,
                code,
                "FGW-001",
                department_code="FGW",
                submitted_at=DAY0 + timedelta(days=1),
                accepted_at=DAY0 + timedelta(days=1, hours=2),
                completed_at=DAY0 + timedelta(days=5),
                status="APPROVED",
            )
        )
        for step, offset in (("COMPLETE", 5), ("ACCEPT", 1), ("REVIEW", 3)):
            events.append(
                event(
                    f"{first}-{step}",
                    first,
                    DAY0 + timedelta(days=offset),
                    step=step,
                    project_code=code,
                )
            )
        events.append(
            event(f"{second}-ACCEPT", second, DAY0 + timedelta(days=2), project_code=code)
        )
        # Half the outcomes name their project, half are linked through their filing only.
        outcomes.append(outcome(f"O{i:06d}-1", first, project_code=code if i % 2 else None))
    await insert(store, tables.projects, projects)
    await insert(store, tables.filings, filings)
    await insert(store, tables.process_events, events)
    await insert(store, tables.outcomes, outcomes)
    return codes


async def seed_extras(store: Store) -> None:
    """An orphan filing and soft-deleted rows of every kind, for project 0 (seed it first)."""
    code = project_code(0)
    await insert(store, tables.projects, [project(DELETED_PROJECT, deleted_at=SYNCED)])
    await insert(
        store,
        tables.filings,
        [
            filing("F-ORPHAN", ORPHAN_PROJECT, "FGW-001", department_code="FGW"),
            filing("F-DELETED", code, "FGW-001", deleted_at=SYNCED),
            filing("F-OF-DELETED", DELETED_PROJECT, "FGW-001"),
        ],
    )
    await insert(
        store,
        tables.process_events,
        [
            event("E-DELETED", "F000000-1", DAY0, deleted_at=SYNCED),
        ],
    )
    await insert(
        store,
        tables.outcomes,
        [
            outcome("O-DELETED", "F000000-2", project_code=code, deleted_at=SYNCED),
        ],
    )


async def seed_all(store: Store, count: int = 3) -> list[str]:
    await seed_catalogue(store)
    codes = await seed_projects(store, count)
    await seed_extras(store)
    return codes
