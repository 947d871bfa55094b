"""Date-only fields (a project's 登记日期, a permit's 发证日期 and 有效期至) are days in China's
calendar everywhere: the store, the graph and its filters, exports, the feed and webhooks; and
stores that kept them as UTC instants of midnight in Asia/Shanghai are migrated to those days."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from hub import tables
from hub.entities import ENTITIES, Kind
from hub.feed import EVERYONE, FeedScope, read_page
from hub.log_chain import CHAINED, GENESIS, row_hash, verify_log
from hub.store import Store
from tests.asgi import serve
from tests.feed_support import Department

pytestmark = pytest.mark.anyio

_old_projects = sa.table(
    "projects",
    *(sa.column(n) for n in ("code", "name", "src_connector", "src_key")),
    sa.column("registered_at", sa.DateTime),
    sa.column("synced_at", sa.DateTime),
)
_old_changes = sa.table(
    "changes",
    *(sa.column(n) for n in ("op", "entity", "entity_key", "field", "connector", "chain_hash")),
    sa.column("old_value", sa.JSON),
    sa.column("new_value", sa.JSON),
    sa.column("recorded_at", sa.DateTime),
)
_old_heads = sa.table(
    "log_heads",
    *(sa.column(n) for n in ("seq", "chain_hash", "algorithm", "public_key", "signature")),
    sa.column("signed_at", sa.DateTime),
)


def _chained(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the chain hashes ``hub.changelog.append`` gives them."""
    previous = GENESIS
    for row in rows:
        full = dict.fromkeys(CHAINED) | row
        previous = row["chain_hash"] = row_hash(previous, full)
    return rows


def test_the_date_only_fields_are_dates() -> None:
    dates = {(e.name, f.name) for e in ENTITIES.values() for f in e.fields if f.kind is Kind.DATE}
    assert dates == {
        ("project", "registered_at"),
        ("outcome", "issued_at"),
        ("outcome", "valid_until"),
    }


async def test_migration_turns_stored_instants_and_logged_values_into_china_days(
    store_url: str,
) -> None:
    """The change log's hash chain (0006) is recomputed over the rewritten values, and the
    signed head they invalidate dropped: ``hub verify-log`` holds on the migrated store."""
    store = Store(store_url)
    try:
        await store.migrate("0006")
        now = datetime(2026, 1, 1)
        async with store.write() as conn:
            await conn.execute(
                _old_projects.insert(),
                {
                    "code": "2014-440304-47-01-000001",
                    "name": "学校",
                    "src_connector": "fgw",
                    "src_key": "1",
                    "registered_at": datetime(2014, 2, 28, 16, 0),  # 2014-03-01 in China
                    "synced_at": now,
                },
            )
            logged = {"op": "created", "entity": "project", "entity_key": "1", "connector": "fgw"}
            unrelated = logged | {"entity": "department", "field": None, "new_value": {}}
            await conn.execute(
                _old_changes.insert(),
                _chained(
                    [
                        unrelated | {"old_value": None, "recorded_at": now},
                        logged
                        | {
                            "field": None,
                            "old_value": None,
                            "new_value": {"name": "学校", "registered_at": "2014-02-28T16:00:00Z"},
                            "recorded_at": now,
                        },
                        logged
                        | {
                            "op": "updated",
                            "field": "registered_at",
                            "old_value": "2014-02-28T16:00:00Z",
                            "new_value": "2014-03-04T16:00:00Z",
                            "recorded_at": now,
                        },
                        logged
                        | {
                            "op": "updated",
                            "field": "name",
                            "old_value": "学校",
                            "new_value": "2014-03-04T16:00:00Z",  # a name, left alone
                            "recorded_at": now,
                        },
                    ]
                ),
            )
            signed = {"algorithm": "ED25519", "public_key": "k", "signature": "s"}
            await conn.execute(
                _old_heads.insert(),
                [signed | {"seq": 1, "chain_hash": "a", "signed_at": now}]
                + [signed | {"seq": 4, "chain_hash": "b", "signed_at": now}],
            )
        await store.migrate()
        async with store.read() as conn:
            registered = (await conn.execute(select(tables.projects.c.registered_at))).scalar()
            values = (
                await conn.execute(
                    select(tables.changes.c.old_value, tables.changes.c.new_value).order_by(
                        tables.changes.c.seq
                    )
                )
            ).all()
            heads = (await conn.execute(select(tables.log_heads.c.seq))).scalars().all()
        assert registered == date(2014, 3, 1)
        assert [tuple(v) for v in values] == [
            (None, {}),
            (None, {"name": "学校", "registered_at": "2014-03-01"}),
            ("2014-03-01", "2014-03-05"),
            ("学校", "2014-03-04T16:00:00Z"),
        ]
        assert heads == [1]  # the head before the rewritten rows still holds
        check = await verify_log(store)
        assert check.first_bad_seq is None, check.problems
        assert check.chained_from == 1
    finally:
        await store.dispose()


async def test_a_source_day_is_the_same_day_in_graph_filter_export_and_feed(
    store: Store, tmp_path: Path
) -> None:
    department = await Department(tmp_path, "fgw", 1, 3).create()  # DJRQ 20140302..20140304
    await department.sync(store)
    code = "2014-440304-47-01-000001"
    async with serve(store) as gql:
        data = await gql.data(
            """{ projects(filter: {registeredAt: {eq: "2014-03-02"}}) {
                   nodes { code registeredAt } } }"""
        )
        assert data["projects"]["nodes"] == [{"code": code, "registeredAt": "2014-03-02"}]
        later = await gql.data(
            '{ projects(filter: {registeredAt: {gt: "2014-03-03"}}) { totalCount } }'
        )
        assert later["projects"]["totalCount"] == 1
        wrong = await gql.errors(
            '{ projects(filter: {registeredAt: {eq: "2014-03-02T00:00:00+08:00"}}) { totalCount } }'
        )
        assert "Date" in wrong[0]["message"]
        exported = await gql.http.get("/export/projects.csv")
        rows = list(csv.DictReader(io.StringIO(exported.text.removeprefix("\ufeff"))))
        assert rows[0]["registeredAt"] == "2014-03-02"
    page = await read_page(store, FeedScope(viewer=EVERYONE), 0, 10)
    created = next(c for c in page.changes if c.key == code)
    assert created.new_value["registered_at"] == "2014-03-02"
    # A webhook posts the change's JSON, with the graph's field names.
    assert json.loads(json.dumps(created.to_json()))["newValue"]["registeredAt"] == "2014-03-02"
