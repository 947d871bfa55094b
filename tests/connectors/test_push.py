from __future__ import annotations

from typing import Any

import pytest

from connectors.registry import build_connector
from hub.config import HubConfig, parse_config
from hub.errors import ConfigError
from hub.store import Store
from hub.sync import SyncEngine

pytestmark = pytest.mark.anyio


def push_config(**connector: Any) -> HubConfig:
    return parse_config(
        {
            "connectors": [
                {
                    "name": "zjj_push",
                    "kind": "push",
                    "department": "ZJJ",
                    "streams": [
                        {
                            "entity": "filing",
                            "fields": {
                                "key": "sbbh",
                                "project_code": "xmdm",
                                "matter_code": "sxbm",
                                "status": "zt",
                            },
                        }
                    ],
                    **connector,
                }
            ]
        }
    )


async def test_a_push_connector_reads_nothing_and_names_its_endpoint(store: Store) -> None:
    config = push_config()
    connector = build_connector(config.connectors[0], config)
    stream = config.connectors[0].streams[0]
    assert await connector.check() == "push: POST /ingest/zjj_push/<stream> for filing"
    assert set((await connector.columns(stream)).types) == {"sbbh", "xmdm", "sxbm", "zt"}
    report = await SyncEngine(store, config).sync(connector)
    assert report.state == "succeeded", report.error
    assert report.total("read") == 0


@pytest.mark.parametrize(
    ("extra", "key_path", "problem"),
    [
        ({"schedule": "every 5m"}, "connectors.zjj_push.schedule", "POST to"),
        (
            {"value_maps": {"zt": {"table": "DM_ZT", "code": "DM", "value": "MC"}}},
            "connectors.zjj_push.value_maps.zt",
            "give the codes inline",
        ),
        ({"max_records": 0}, "connectors.zjj_push.max_records", "greater than or equal to 1"),
    ],
)
def test_what_a_push_connector_cannot_have(
    extra: dict[str, Any], key_path: str, problem: str
) -> None:
    config = push_config(**extra)
    with pytest.raises(ConfigError) as caught:
        build_connector(config.connectors[0], config)
    assert caught.value.key_path == key_path
    assert problem in caught.value.problem
