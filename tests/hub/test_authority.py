"""Two departments feed the same projects; the config names whose value wins."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.registry import build_connector
from hub import tables
from hub.config import HubConfig, parse_config
from hub.demo import generate
from hub.demo.sources.zjj import COPY_DIFFERENCES, copy_differences
from hub.store import Store
from hub.sync import RunReport, SyncEngine
from schema import build_schema
from schema.context import Context
from tests import department_source as src
from tests.demo_support import SyncedDemo

pytestmark = pytest.mark.anyio
CODE = "2014-440304-47-01-000001"


def two_departments(folder: Path, authority: dict[str, Any]) -> HubConfig:
    base = src.source_config(f"sqlite:///{folder / 'fgw.db'}").model_dump(
        exclude={"source", "path"}
    )
    fgw = base["connectors"][0]
    fgw["streams"] = fgw["streams"][:1]
    ghj = {**fgw, "name": "ghj", "department": "GHJ", "url": f"sqlite:///{folder / 'ghj.db'}"}
    return parse_config({**base, "connectors": [fgw, ghj], "authority": authority})


async def sync(store: Store, config: HubConfig, name: str) -> RunReport:
    connector = build_connector(config.connector(name), config)
    try:
        report = await SyncEngine(store, config).sync(connector)
    finally:
        await connector.close()
    assert report.state == "succeeded", report.error
    return report


async def project(store: Store) -> Any:
    async with store.read() as conn:
        query = select(tables.projects).where(tables.projects.c.code == CODE)
        return (await conn.execute(query)).one()


async def conflicts(store: Store) -> list[Any]:
    async with store.read() as conn:
        return list((await conn.execute(select(tables.conflicts))).all())


async def test_a_differing_value_from_a_non_authoritative_source_is_a_conflict(
    store: Store, tmp_path: Path
) -> None:
    for name in ("fgw", "ghj"):
        await src.create_source(f"sqlite:///{tmp_path / f'{name}.db'}", 2, 0)
    await src.execute(
        f"sqlite:///{tmp_path / 'ghj.db'}",
        src.rename_project(CODE, "规划口径的名称", "2014-03-01 09:00:00"),
    )
    config = two_departments(tmp_path, {"project": {"name": "fgw"}})
    await sync(store, config, "fgw")
    second = await sync(store, config, "ghj")
    assert (await project(store)).name == "福田区第1小学改扩建工程"
    found = await conflicts(store)
    assert [(c.entity_key, c.field, c.authority, c.connector) for c in found] == [
        (CODE, "name", "fgw", "ghj")
    ]
    assert found[0].stored_value == "福田区第1小学改扩建工程"
    assert found[0].offered_value == "规划口径的名称"
    assert found[0].sync_run_id == second.run_id
    # Re-reading the unchanged source records the same conflict only once.
    await sync(store, config, "ghj")
    assert len(await conflicts(store)) == 1
    # The authoritative source still updates the field.
    await src.execute(
        f"sqlite:///{tmp_path / 'fgw.db'}",
        src.rename_project(CODE, "发改口径的新名称", "2014-03-09 09:00:00"),
    )
    await sync(store, config, "fgw")
    assert (await project(store)).name == "发改口径的新名称"


async def test_a_missing_value_may_be_filled_by_a_non_authoritative_source(
    store: Store, tmp_path: Path
) -> None:
    for name in ("fgw", "ghj"):
        await src.create_source(f"sqlite:///{tmp_path / f'{name}.db'}", 2, 0)
    fgw_url = f"sqlite:///{tmp_path / 'fgw.db'}"
    update = src.projects.update().where(src.projects.c.XMDM == CODE).values(XMDW=None)
    await src.execute(fgw_url, update)
    config = two_departments(tmp_path, {"project": "fgw"})
    await sync(store, config, "fgw")
    assert (await project(store)).owner_name is None
    await sync(store, config, "ghj")
    assert (await project(store)).owner_name == "深圳市福田区建筑工务署"
    assert await conflicts(store) == []


async def test_without_an_authority_the_last_write_wins(store: Store, tmp_path: Path) -> None:
    for name in ("fgw", "ghj"):
        await src.create_source(f"sqlite:///{tmp_path / f'{name}.db'}", 2, 0)
    await src.execute(
        f"sqlite:///{tmp_path / 'ghj.db'}", src.rename_project(CODE, "新名称", "2014-03-01 09:00")
    )
    config = two_departments(tmp_path, {})
    await sync(store, config, "fgw")
    await sync(store, config, "ghj")
    stored = await project(store)
    assert (stored.name, stored.src_connector) == ("新名称", "ghj")
    assert await conflicts(store) == []


FILING = "FGW-000001"
MIRROR_STREAM = {
    "entity": "filing",
    "table": "SB_XX",
    "cursor": "GXSJ",
    "fields": {"key": "SBBH", "status": {"column": "ZT", "map": "sbzt"}},
}


def department_rule(folder: Path, **ghj: Any) -> HubConfig:
    """fgw reports its department's filings; ghj's system mirrors their status (or, with
    ``ghj``, whatever else), and each filing's own department's connector wins."""
    base = src.source_config(f"sqlite:///{folder / 'fgw.db'}").model_dump(
        exclude={"source", "path"}
    )
    fgw = base["connectors"][0]
    mirror = {
        **fgw,
        "name": "ghj",
        "department": "GHJ",
        "url": f"sqlite:///{folder / 'ghj.db'}",
        "streams": [MIRROR_STREAM],
        **ghj,
    }
    return parse_config(
        {**base, "connectors": [fgw, mirror], "authority": {"filing": "department"}}
    )


async def two_sources(folder: Path) -> tuple[str, str]:
    urls = tuple(f"sqlite:///{folder / f'{name}.db'}" for name in ("fgw", "ghj"))
    for url in urls:
        await src.create_source(url, 2, 3)
    return urls


def set_status(code: str, stamp: str) -> Any:
    return src.filings.update().where(src.filings.c.SBBH == FILING).values(ZT=code, GXSJ=stamp)


async def filing(store: Store) -> Any:
    async with store.read() as conn:
        query = select(tables.filings).where(tables.filings.c.key == FILING)
        return (await conn.execute(query)).one()


async def disagreeing(store: Store, folder: Path) -> tuple[str, str, HubConfig, RunReport]:
    """fgw's filing in progress, ghj's copy approved, both synced: (the two source URLs, the
    config, ghj's run)."""
    fgw_url, ghj_url = await two_sources(folder)
    await src.execute(ghj_url, set_status("3", "2014-03-05 10:00:00"))
    config = department_rule(folder)
    await sync(store, config, "fgw")
    return fgw_url, ghj_url, config, await sync(store, config, "ghj")


async def test_the_department_rule_keeps_each_filings_own_department_authoritative(
    store: Store, tmp_path: Path
) -> None:
    *_, mirrored = await disagreeing(store, tmp_path)
    stored = await filing(store)
    assert (stored.status, stored.src_connector) == ("IN_PROGRESS", "fgw")
    found = await conflicts(store)
    assert [(c.entity_key, c.field, c.authority, c.connector) for c in found] == [
        (FILING, "status", "fgw", "ghj")
    ]
    assert (found[0].stored_value, found[0].offered_value) == ("IN_PROGRESS", "APPROVED")
    assert found[0].sync_run_id == mirrored.run_id
    assert mirrored.total("conflicts") == 1
    # The two filings the mirror agrees on are neither conflicts nor updates.
    assert mirrored.total("updated") == 0


async def test_a_conflict_closes_when_the_sources_agree_again(store: Store, tmp_path: Path) -> None:
    fgw_url, ghj_url, config, _ = await disagreeing(store, tmp_path)
    # The authority approves the filing too: the sources agree and the conflict closes.
    await src.execute(fgw_url, set_status("3", "2014-03-06 10:00:00"))
    await sync(store, config, "fgw")
    assert (await filing(store)).status == "APPROVED"
    (closed,) = await conflicts(store)
    assert closed.resolved_at is not None
    # The mirror then offers another value: a new conflict; it closes when the mirror takes
    # the authority's value back.
    await src.execute(ghj_url, set_status("1", "2014-03-07 10:00:00"))
    await sync(store, config, "ghj")
    reopened = [c for c in await conflicts(store) if c.resolved_at is None]
    assert [(c.stored_value, c.offered_value) for c in reopened] == [("APPROVED", "ACCEPTED")]
    await src.execute(ghj_url, set_status("3", "2014-03-08 10:00:00"))
    await sync(store, config, "ghj")
    assert [c for c in await conflicts(store) if c.resolved_at is None] == []


async def test_a_value_offered_again_differently_replaces_its_open_conflict(
    store: Store, tmp_path: Path
) -> None:
    fgw_url, ghj_url, config, _ = await disagreeing(store, tmp_path)
    await src.execute(ghj_url, set_status("1", "2014-03-06 10:00:00"))
    await sync(store, config, "ghj")
    found = await conflicts(store)
    assert [(c.offered_value, c.resolved_at is None) for c in found] == [
        ("APPROVED", False),
        ("ACCEPTED", True),
    ]


async def test_a_filled_value_leaves_the_record_with_its_authority(
    store: Store, tmp_path: Path
) -> None:
    """The mirror may fill what the authority left empty, but the filing stays the authority's:
    its key scan, not the mirror's, tells when the filing is gone."""
    fgw_url, ghj_url = await two_sources(tmp_path)
    empty = src.filings.update().where(src.filings.c.SBBH == FILING).values(SQSJ=None)
    await src.execute(fgw_url, empty)
    fields = {"key": "SBBH", "submitted_at": "SQSJ"}
    config = department_rule(tmp_path, streams=[{**MIRROR_STREAM, "fields": fields}])
    await sync(store, config, "fgw")
    await sync(store, config, "ghj")
    stored = await filing(store)
    assert stored.submitted_at is not None
    assert (stored.src_connector, stored.src_key) == ("fgw", FILING)
    assert await conflicts(store) == []
    await src.execute(fgw_url, src.filings.delete().where(src.filings.c.SBBH == FILING))
    connector = build_connector(config.connector("fgw"), config)
    try:
        report = await SyncEngine(store, config).reconcile(connector, force=True)
    finally:
        await connector.close()
    assert report.state == "succeeded", report.error
    assert (await filing(store)).deleted_at is not None


async def test_a_department_without_a_connector_has_no_authority(
    store: Store, tmp_path: Path
) -> None:
    """Filings of a department no connector reports for: the last write wins, as without the
    rule."""
    fgw_url, ghj_url = await two_sources(tmp_path)
    await src.execute(ghj_url, set_status("3", "2014-03-05 10:00:00"))
    config = department_rule(tmp_path)
    config = parse_config(
        {
            **config.model_dump(exclude={"source", "path"}),
            "connectors": [
                {**c.model_dump(), "department": None if c.name == "fgw" else c.department}
                for c in config.connectors
            ],
        }
    )
    await sync(store, config, "fgw")
    await sync(store, config, "ghj")
    stored = await filing(store)
    assert (stored.status, stored.src_connector) == ("APPROVED", "ghj")
    assert await conflicts(store) == []


@pytest.mark.parametrize(
    ("authority", "connector_name", "message"),
    [
        ({"project": "department"}, "ghj", "a project names none; name a connector instead"),
        ({"filing": {"status": "department"}}, "department", "rename the connector"),
    ],
)
def test_the_department_rule_is_refused_where_it_cannot_apply(
    tmp_path: Path, authority: dict[str, Any], connector_name: str, message: str
) -> None:
    base = department_rule(tmp_path).model_dump(exclude={"source", "path"})
    connectors = [base["connectors"][0], {**base["connectors"][1], "name": connector_name}]
    with pytest.raises(ValueError, match=message):
        parse_config({**base, "connectors": connectors, "authority": authority})


async def test_the_demo_holds_exactly_the_conflicts_planted_in_zjjs_copy(
    synced_demo: SyncedDemo,
) -> None:
    """ZJJ keeps a copy of the GHJ planning permits it checks; where the copy is wrong, GHJ's
    value stays and the difference is an open conflict, and nowhere else."""
    query = """{ conflicts(unresolved: true, first: 100) {
      totalCount nodes { entity entityKey field authority connector storedValue offeredValue } } }"""
    result = await build_schema().execute(query, context_value=Context.create(synced_demo.store))
    assert result.errors is None, result.errors
    assert result.data is not None
    found = result.data["conflicts"]["nodes"]
    planted = copy_differences(generate())
    assert result.data["conflicts"]["totalCount"] == len(planted) == sum(COPY_DIFFERENCES.values())
    assert {(c["entityKey"], c["field"]) for c in found} == set(planted.items())
    assert {(c["entity"], c["authority"], c["connector"]) for c in found} == {
        ("filing", "ghj", "zjj")
    }
    for conflict in found:
        if conflict["field"] == "status":
            assert (conflict["storedValue"], conflict["offeredValue"]) == (
                "APPROVED",
                "IN_PROGRESS",
            )
        else:
            stored, offered = map(
                datetime.fromisoformat, (conflict["storedValue"], conflict["offeredValue"])
            )
            assert offered - stored == timedelta(days=1)
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text("utf-8").split())
    assert f"one of {len(planted)} conflicts" in readme
    # GHJ's records stand as GHJ reported them, and stay GHJ's.
    async with synced_demo.store.read() as conn:
        owners = await conn.execute(
            select(tables.filings.c.status, tables.filings.c.src_connector).where(
                tables.filings.c.key.in_(list(planted))
            )
        )
        assert {tuple(row) for row in owners} == {("APPROVED", "ghj")}
