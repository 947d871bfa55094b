"""Source values without a canonical field (a project's approval type 审批/核准/备案, the
source's own update time) go into the record's ``attributes`` map, mapped as
``attributes.<key>``, shown as JSON in the graph and filterable by key in SQL (SQLite and
PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from hub import tables
from hub.errors import ConfigError
from hub.store import Store
from tests import department_source as src
from tests.asgi import serve

pytestmark = pytest.mark.anyio

QUERY = """query ($filter: ProjectFilter) {
  projects(filter: $filter) { nodes { code attributes } } }"""


def config_with_attributes(url: str, **fields: Any) -> Any:
    base = src.source_config(url)
    connector = base.connectors[0]
    stream = connector.streams[0]
    mapped = {**stream.model_dump()["fields"], **fields}
    return src.parse_config(
        {
            "connectors": [
                connector.model_dump(exclude_none=True)
                | {
                    "value_maps": connector.value_maps | {"splx": {"1": "核准", "2": "备案"}},
                    "streams": [stream.model_dump(exclude_none=True) | {"fields": mapped}],
                }
            ]
        }
    )


async def test_unmapped_source_values_are_kept_queryable_and_filterable(
    store: Store, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=3, filings_count=0)
    await src.execute(
        url, update(src.projects).where(src.projects.c.XMDM.endswith("2")).values(XMZT="2")
    )
    config = config_with_attributes(
        url,
        **{
            "attributes.approval_type": {"column": "XMZT", "map": "splx"},
            "attributes.source_updated": {"column": "GXSJ"},
            "total_investment": {"column": "ZTZ", "scale": 10000},  # 亿元 in this source
        },
    )
    report = await src.sync_once(store, config)
    assert report.state == "succeeded", report.error
    async with store.read() as conn:
        p = tables.projects
        stored = (
            await conn.execute(select(p.c.attributes, p.c.total_investment).order_by(p.c.code))
        ).first()
    assert stored is not None
    assert stored.attributes == {"approval_type": "核准", "source_updated": "2014-03-01 08:00:01"}
    assert stored.total_investment == 10_005_000.0  # "1,000.50" 亿元 in 万元
    code = src.project_row(1)["XMDM"][:-1]
    async with serve(store) as gql:
        approved = await gql.data(
            QUERY, filter={"attributes": {"key": "approval_type", "eq": "核准"}}
        )
        assert [n["code"][-1] for n in approved["projects"]["nodes"]] == ["1", "3"]
        assert approved["projects"]["nodes"][0]["attributes"]["approval_type"] == "核准"
        both = await gql.data(
            QUERY,
            filter={
                "attributes": [
                    {"key": "approval_type", "in": ["核准", "审批"]},
                    {"key": "source_updated", "startsWith": "2014-03-01 08:00:03"},
                ]
            },
        )
        assert [n["code"] for n in both["projects"]["nodes"]] == [f"{code}3"]
        missing = await gql.data(QUERY, filter={"attributes": {"key": "nope", "isNull": True}})
        assert len(missing["projects"]["nodes"]) == 3
        filed = await gql.data(
            '{ filings(filter: {attributes: {key: "approval_type", eq: "核准"}}) { totalCount } }'
        )
        assert filed == {"filings": {"totalCount": 0}}


def test_an_attribute_key_must_be_one_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="an attribute key is 1 to 64 characters"):
        config_with_attributes(f"sqlite:///{tmp_path / 'x.db'}", **{"attributes.a.b": "XMZT"})
    with pytest.raises(ConfigError, match=r"or attributes.<key> for a value without"):
        config_with_attributes(f"sqlite:///{tmp_path / 'x.db'}", colour="XMZT")
