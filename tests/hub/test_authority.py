"""Two departments feed the same projects; the config names whose value wins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.registry import build_connector
from hub import tables
from hub.config import HubConfig, parse_config
from hub.store import Store
from hub.sync import RunReport, SyncEngine
from tests import department_source as src

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
