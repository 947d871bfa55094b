"""Value maps may chain: a source code to the source's own name (its code table) to the hub's
value, e.g. ``map = ["sbzt", "status_names"]``; every link of a chain is checked, maps given in
the config when it loads, code tables by ``hub check``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.registry import build_connector
from hub.config import StreamConfig, parse_config
from hub.errors import ConfigError
from hub.mapping import RecordMapper
from hub.store import Store
from hub.sync import SyncEngine
from tests import department_source as src

pytestmark = pytest.mark.anyio

NAMES = {"01": "房屋建筑工程", "02": "市政基础设施工程"}
CATEGORIES = {"房屋建筑工程": "BUILDING", "市政基础设施工程": "MUNICIPAL"}


def test_a_chain_maps_code_to_name_to_canonical_value() -> None:
    stream = StreamConfig(
        entity="project",
        fields={"code": "XMDM", "name": "XMMC", "category": {"column": "LB", "map": ["lb", "cat"]}},
    )
    mapper = RecordMapper(stream, {"lb": NAMES, "cat": CATEGORIES}, "Asia/Shanghai")
    row = {"XMDM": "2014-440304-47-01-000001", "XMMC": "学校"}
    record, _ = mapper.map(row | {"LB": "02"})
    assert record is not None and record[mapper.fields.index("category")] == "MUNICIPAL"
    _, reasons = mapper.map(row | {"LB": "09"})
    assert reasons == [
        "field 'category' (column LB): '09' is not in value map 'lb' (known codes: 01, 02)"
    ]
    short = RecordMapper(stream, {"lb": NAMES | {"03": "园林"}, "cat": CATEGORIES}, "UTC")
    _, reasons = short.map(row | {"LB": "03"})
    assert reasons == [
        "field 'category' (column LB): '园林' (from value map 'lb') is not in value map 'cat' "
        "(known codes: 市政基础设施工程, 房屋建筑工程)"
    ]


def _config(url: str, maps: dict[str, Any], chain: Any) -> Any:
    base = src.source_config(url).connectors[0].model_dump(exclude_none=True)
    base["value_maps"] = base["value_maps"] | maps
    filing = base["streams"][1]
    filing["fields"]["status"] = {"column": "ZT", "map": chain}
    return parse_config({"connectors": [base | {"streams": [filing]}]})


def test_chains_of_configured_maps_are_checked_when_the_config_loads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    codes = {"zt": {"1": "受理", "2": "办理"}}
    with pytest.raises(ConfigError, match=r"value map 'zt_names' has no code for '办理'"):
        _config(url, codes | {"zt_names": {"受理": "ACCEPTED"}}, ["zt", "zt_names"])
    with pytest.raises(ConfigError, match="uses value map 'nope', which is not defined"):
        _config(url, codes, ["zt", "nope"])
    with pytest.raises(ConfigError, match=r"map = \[\] names no value map"):
        _config(url, codes, [])


async def test_hub_check_finds_a_code_table_name_the_next_map_lacks(
    store: Store, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=1, filings_count=1)
    # The source's code table DM_SBZT gives ACCEPTED, IN_PROGRESS and APPROVED.
    names = {"ACCEPTED": "ACCEPTED", "IN_PROGRESS": "IN_PROGRESS"}
    config = _config(url, {"names": names}, ["sbzt", "names"])
    connector = build_connector(config.connectors[0], config)
    try:
        problems = await SyncEngine(store, config).verify(connector)
    finally:
        await connector.close()
    assert problems == {
        "filing": "field 'status': value map 'names' has no code for 'APPROVED', which value "
        "map 'sbzt' gives (its codes: ACCEPTED, IN_PROGRESS)"
    }
    complete = _config(url, {"names": names | {"APPROVED": "APPROVED"}}, ["sbzt", "names"])
    report = await src.sync_once(store, complete)
    assert report.state == "succeeded" and report.total("inserted") == 1
