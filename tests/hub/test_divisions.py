"""Administrative divisions are reference data a region configures (``[[divisions]]``) or syncs
(a stream of entity ``division``): Nanning's districts get their names, a canonical field takes
a division's name (``map = "divisions"``), and the demo's Shenzhen is one such configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

from hub import tables
from hub.config import HubConfig, parse_config
from hub.dburl import async_url
from hub.demo.config import hub_config
from hub.http.app import create_app
from hub.runtime import migrate_store
from hub.store import Store
from tests import department_source as src
from tests.asgi import GraphQLClient, running


@asynccontextmanager
async def serve(store: Store, config: HubConfig) -> AsyncIterator[GraphQLClient]:
    """The app of ``config`` (its divisions installed at start) on ``store``."""
    app = create_app(config, store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield GraphQLClient(http)


pytestmark = pytest.mark.anyio

NANNING = [
    {"code": "450100", "name": "南宁市", "parent": "450000"},
    {"code": "450102", "name": "兴宁区", "parent": "450100"},
    {"code": "450103", "name": "青秀区", "parent": "450100"},
    {"code": "450105", "name": "江南区", "parent": "450100"},
    {"code": "450107", "name": "西乡塘区", "parent": "450100"},
    {"code": "450108", "name": "良庆区", "parent": "450100"},
    {"code": "450109", "name": "邕宁区", "parent": "450100"},
    {"code": "450110", "name": "武鸣区", "parent": "450100"},
]
QUERY = """{ projects { nodes { code district { code name parent { code name } } } }
             divisions(parent: "450100") { code name } }"""

meta = MetaData()
source_projects = Table(
    "XM", meta, *(Column(n, String(40)) for n in ("XMDM", "XMMC", "QXMC", "GXSJ"))
)
source_divisions = Table("QH", meta, *(Column(n, String(40)) for n in ("DM", "MC", "SJDM")))


def nanning_config(url: str, divisions: list[dict[str, str]], **extra: Any) -> Any:
    stream = {
        "entity": "project",
        "table": "XM",
        "cursor": "GXSJ",
        "fields": {
            "code": "XMDM",
            "name": "XMMC",
            "district": {"column": "QXMC", "map": "divisions"},  # the source has names
        },
    }
    connector = {"name": "nnfgw", "kind": "sql", "url": url, "streams": [stream]}
    return parse_config({"divisions": divisions, "connectors": [connector], **extra})


async def create_source(url: str, rows: list[dict[str, str]]) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        if rows:
            await conn.execute(source_projects.insert(), rows)
    await engine.dispose()


def project(n: int, district: str) -> dict[str, str]:
    code = f"2024-450102-47-01-{n:06d}"
    return {"XMDM": code, "XMMC": f"项目{n}", "QXMC": district, "GXSJ": "2024-05-01 09:00:00"}


async def test_a_region_configures_its_divisions_and_sources_name_them(
    store: Store, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'nn.db'}"
    await create_source(url, [project(1, "兴宁区"), project(2, "武鸣区"), project(3, "城区")])
    config = nanning_config(url, NANNING)
    await migrate_store(store, config)
    report = await src.sync_once(store, config)
    assert report.total("inserted") == 2 and report.total("rejected") == 1
    async with store.read() as conn:
        (reasons,) = (await conn.execute(select(tables.rejects.c.reasons))).scalars()
    assert "'城区' is not in value map 'divisions'" in reasons[0]
    async with serve(store, config) as gql:
        data = await gql.data(QUERY)
    first, second = data["projects"]["nodes"]
    assert first["district"] == {
        "code": "450102",
        "name": "兴宁区",
        "parent": {"code": "450100", "name": "南宁市"},
    }
    assert second["district"]["name"] == "武鸣区"
    assert [d["code"] for d in data["divisions"]] == [
        "450102",
        "450103",
        "450105",
        "450107",
        "450108",
        "450109",
        "450110",
    ]
    # A division hub.toml no longer lists is gone at the next start.
    async with serve(store, nanning_config(url, NANNING[:-1])) as gql:
        data = await gql.data(QUERY)
    assert data["projects"]["nodes"][1]["district"] == {
        "code": "450110",
        "name": None,
        "parent": None,
    }


async def test_divisions_sync_from_a_source_like_any_entity(store: Store, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'qh.db'}"
    await create_source(url, [])
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.execute(
            source_divisions.insert(),
            [{"DM": d["code"], "MC": d["name"], "SJDM": d["parent"]} for d in NANNING],
        )
    await engine.dispose()
    config = parse_config(
        {
            "connectors": [
                {
                    "name": "mzj",  # 民政局, which keeps the division codes
                    "kind": "sql",
                    "url": url,
                    "streams": [
                        {
                            "entity": "division",
                            "table": "QH",
                            "fields": {"code": "DM", "name": "MC", "parent": "SJDM"},
                        }
                    ],
                }
            ]
        }
    )
    report = await src.sync_once(store, config)
    assert report.total("inserted") == len(NANNING)
    async with serve(store, config) as gql:
        data = await gql.data('{ divisions(parent: "450100") { name parent { name } } }')
    assert data["divisions"][0] == {"name": "兴宁区", "parent": {"name": "南宁市"}}


def test_the_demo_configures_shenzhen() -> None:
    divisions = {d["code"]: d for d in hub_config()["divisions"]}
    assert divisions["440304"] == {"code": "440304", "name": "福田区", "parent": "440300"}
    assert divisions["440300"]["parent"] == "440000" and "parent" not in divisions["440000"]
