"""A small department database the way real ones look, on any SQLAlchemy backend.

Pinyin column names, dates as strings in several formats, a status code table, investment as
text with thousands separators, and an update-time column used as the incremental cursor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.registry import build_connector
from hub.config import HubConfig, parse_config
from hub.dburl import async_url
from hub.store import Store
from hub.sync import RunReport, SyncEngine

metadata = MetaData()
projects = Table(
    "XM_JBXX",
    metadata,
    Column("XMDM", String(40), primary_key=True),
    Column("XMMC", String(200)),
    Column("XMLB", String(4)),
    Column("XMDW", String(200)),
    Column("XMDWDM", String(18)),
    Column("XZQH", String(6)),
    Column("ZTZ", String(32)),
    Column("DJRQ", String(16)),
    Column("XMZT", String(4)),
    Column("GXSJ", String(19)),
)
filings = Table(
    "SB_XX",
    metadata,
    Column("SBBH", String(40), primary_key=True),
    Column("XMDM", String(40)),
    Column("SXBM", String(40)),
    Column("SQSJ", String(32)),
    Column("ZT", String(4)),
    Column("GXSJ", String(19)),
)
status_codes = Table(
    "DM_SBZT", metadata, Column("DM", String(4), primary_key=True), Column("MC", String(32))
)
versions = Table("BB", metadata, Column("ID", Integer, primary_key=True))

OWNER_CREDIT_CODE = "91440300708461136T"


def project_row(n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "XMDM": f"2014-440304-47-01-{n:06d}",
        "XMMC": f"福田区第{n}小学改扩建工程",
        "XMLB": "01",
        "XMDW": "深圳市福田区建筑工务署",
        "XMDWDM": OWNER_CREDIT_CODE,
        "XZQH": "440304",
        "ZTZ": f"{n * 1000 + 0.5:,.2f}",
        "DJRQ": f"201403{(n % 28) + 1:02d}",
        "XMZT": "1",
        "GXSJ": f"2014-03-01 08:{n // 60 % 60:02d}:{n % 60:02d}",
    }
    return row | overrides


def filing_row(n: int, project: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "SBBH": f"FGW-{n:06d}",
        "XMDM": f"2014-440304-47-01-{project:06d}",
        "SXBM": "FGW-001",
        "SQSJ": f"2014/3/{(n % 28) + 1} 9:30",
        "ZT": "2",
        "GXSJ": f"2014-03-02 09:{n // 60 % 60:02d}:{n % 60:02d}",
    }
    return row | overrides


async def create_source(url: str | URL, projects_count: int = 10, filings_count: int = 20) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            status_codes.insert(),
            [
                {"DM": "1", "MC": "ACCEPTED"},
                {"DM": "2", "MC": "IN_PROGRESS"},
                {"DM": "3", "MC": "APPROVED"},
            ],
        )
        if projects_count:
            await conn.execute(
                projects.insert(), [project_row(n) for n in range(1, projects_count + 1)]
            )
        if filings_count:
            await conn.execute(
                filings.insert(),
                [
                    filing_row(n, (n % projects_count) + 1 if projects_count else n)
                    for n in range(1, filings_count + 1)
                ],
            )
    await engine.dispose()


async def execute(url: str | URL, statement: Any, rows: Any = None) -> None:
    await execute_all(url, [statement], rows)


async def execute_all(url: str | URL, statements: list[Any], rows: Any = None) -> None:
    """Run ``statements`` in the source in one transaction (``rows`` for an executemany)."""
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(statement, rows)
    await engine.dispose()


def rename_project(code: str, name: str, stamp: str) -> Any:
    return update(projects).where(projects.c.XMDM == code).values(XMMC=name, GXSJ=stamp)


def source_config(
    source_url: str | URL, store_url: str = "sqlite:///unused.db", **connector: Any
) -> HubConfig:
    url = source_url if isinstance(source_url, str) else source_url.render_as_string(False)
    return parse_config(
        {
            "store": {"url": store_url},
            "connectors": [
                {
                    "name": "fgw",
                    "kind": "sql",
                    "url": url,
                    "department": "FGW",
                    "batch_size": 4,
                    "value_maps": {
                        "xmlb": {"01": "BUILDING", "02": "MUNICIPAL"},
                        "xmzt": {"1": "UNDER_APPROVAL", "2": "UNDER_CONSTRUCTION"},
                        "sbzt": {"table": "DM_SBZT", "code": "DM", "value": "MC"},
                    },
                    "streams": [
                        {
                            "entity": "project",
                            "table": "XM_JBXX",
                            "cursor": "GXSJ",
                            "fields": {
                                "code": "XMDM",
                                "name": "XMMC",
                                "category": {"column": "XMLB", "map": "xmlb"},
                                "owner_name": "XMDW",
                                "owner_credit_code": "XMDWDM",
                                "district": "XZQH",
                                "total_investment": "ZTZ",
                                "registered_at": "DJRQ",
                                "status": {"column": "XMZT", "map": "xmzt"},
                            },
                        },
                        {
                            "entity": "filing",
                            "table": "SB_XX",
                            "cursor": "GXSJ",
                            "fields": {
                                "key": "SBBH",
                                "project_code": "XMDM",
                                "matter_code": "SXBM",
                                "department_code": {"default": "FGW"},
                                "submitted_at": "SQSJ",
                                "status": {"column": "ZT", "map": "sbzt"},
                            },
                        },
                    ],
                    **connector,
                }
            ],
        }
    )


async def sync_once(store: Store, config: HubConfig, **options: Any) -> RunReport:
    """One sync of ``config``'s first connector into ``store`` (``options`` as for
    ``SyncEngine.sync``)."""
    connector = build_connector(config.connectors[0], config)
    try:
        return await SyncEngine(store, config).sync(connector, **options)
    finally:
        await connector.close()
