from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hub import tables
from hub.mapping import json_safe
from hub.store import Store
from tests.asgi import GraphQLClient
from tests.schema import seed

pytestmark = pytest.mark.anyio

T1, T2, T3 = datetime(2025, 1, 1), datetime(2025, 2, 1), datetime(2025, 3, 1)


def change(op: str, entity: str, key: str, at: datetime, project: str | None, **rest: Any) -> dict:
    return {
        "op": op,
        "entity": entity,
        "entity_key": key,
        "project_code": project,
        "field": rest.get("field"),
        "old_value": rest.get("old"),
        "new_value": rest.get("new"),
        "connector": rest.get("connector", "fgw"),
        "department_code": "FGW",
        "sync_run_id": 7,
        "source_time": None,
        "recorded_at": at,
    }


def created(row: dict, entity: str, key: str, at: datetime, project: str | None) -> dict:
    values = {
        k: json_safe(v)
        for k, v in row.items()
        if k not in {"src_connector", "src_key", "synced_at", "deleted_at"}
    }
    return change("created", entity, key, at, project, new=values)


async def test_history_and_the_project_as_the_hub_knew_it(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_catalogue(store)
    code = seed.project_code(1)
    project = seed.project(code, name="旧名称")
    kept = seed.filing("F1", code, "FGW-001", status="ACCEPTED")
    dropped = seed.filing("F2", code, "GT-001")
    event = seed.event("E1", "F1", seed.DAY0, project_code=code)
    outcome = seed.outcome("O1", "F1")  # linked to the project through its filing only
    await seed.insert(store, tables.projects, [project | {"name": "新名称"}])
    await seed.insert(
        store, tables.filings, [kept | {"status": "APPROVED"}, dropped | {"deleted_at": T3}]
    )
    await seed.insert(store, tables.process_events, [event])
    await seed.insert(store, tables.outcomes, [outcome])
    await seed.insert(
        store,
        tables.changes,
        [
            created(project, "project", code, T1, code),
            created(kept, "filing", "F1", T1, code),
            created(dropped, "filing", "F2", T1, code),
            created(event, "process_event", "E1", T1, code),
            change("updated", "project", code, T2, code, field="name", old="旧名称", new="新名称"),
            change(
                "updated", "filing", "F1", T2, code, field="status", old="ACCEPTED", new="APPROVED"
            ),
            created(outcome, "outcome", "O1", T2, None),
            change("deleted", "filing", "F2", T3, code),
        ],
    )
    query = """
      query ($code: String!, $asOf: DateTime) { project(code: $code, asOf: $asOf) {
        name provenance { connector syncedAt }
        filings { totalCount nodes { key status events { key } outcome { key } project { name } } }
        outcomes { key }
      } }"""
    before = (await gql.data(query, code=code, asOf="2025-01-15T00:00:00Z"))["project"]
    assert before["name"] == "旧名称"
    assert [(f["key"], f["status"], f["outcome"]) for f in before["filings"]["nodes"]] == [
        ("F1", "ACCEPTED", None),
        ("F2", "SUBMITTED", None),
    ]
    assert before["filings"]["nodes"][0]["events"] == [{"key": "E1"}]
    assert before["filings"]["nodes"][0]["project"] == {"name": "旧名称"}
    assert before["outcomes"] == []
    middle = (await gql.data(query, code=code, asOf="2025-02-15T08:00:00+08:00"))["project"]
    assert middle["name"] == "新名称"
    assert middle["provenance"] == {"connector": "fgw", "syncedAt": "2025-02-01T00:00:00+00:00"}
    assert [(f["key"], f["status"]) for f in middle["filings"]["nodes"]] == [
        ("F1", "APPROVED"),
        ("F2", "SUBMITTED"),
    ]
    assert middle["outcomes"] == [{"key": "O1"}]
    after = (await gql.data(query, code=code, asOf="2025-04-01T00:00:00Z"))["project"]
    assert after["filings"]["totalCount"] == 1
    assert (await gql.data(query, code=code, asOf="2024-12-31T00:00:00Z"))["project"] is None
    (error,) = await gql.errors(
        'query ($code: String!) { project(code: $code, asOf: "2025-04-01T00:00:00Z") '
        "{ filings(filter: {status: {eq: APPROVED}}) { totalCount } } }",
        code=code,
    )
    assert "first and after only" in error["message"]

    history = await gql.data(
        """query ($code: String!) { project(code: $code) {
             name: history(field: NAME) { op field oldValue newValue connector recordedAt }
             all: history { op field }
             filings { nodes { key history(field: STATUS) { op newValue } } } } }""",
        code=code,
    )
    p = history["project"]
    assert p["name"] == [
        {
            "op": "created",
            "field": "name",
            "oldValue": None,
            "newValue": "旧名称",
            "connector": "fgw",
            "recordedAt": "2025-01-01T00:00:00+00:00",
        },
        {
            "op": "updated",
            "field": "name",
            "oldValue": "旧名称",
            "newValue": "新名称",
            "connector": "fgw",
            "recordedAt": "2025-02-01T00:00:00+00:00",
        },
    ]
    assert p["all"] == [{"op": "created", "field": None}, {"op": "updated", "field": "name"}]
    assert p["filings"]["nodes"] == [
        {
            "key": "F1",
            "history": [
                {"op": "created", "newValue": "ACCEPTED"},
                {"op": "updated", "newValue": "APPROVED"},
            ],
        }
    ]


async def test_sync_runs_rejects_and_conflicts_newest_first(
    store: Store, gql: GraphQLClient
) -> None:
    now = datetime(2026, 1, 1)
    await seed.insert(
        store,
        tables.sync_runs,
        [
            {
                "connector": name,
                "mode": "full",
                "state": state,
                "started_at": now + timedelta(minutes=i),
                "rows_read": i,
                "rows_inserted": 0,
                "rows_updated": 0,
                "rows_unchanged": 0,
                "rows_rejected": 0,
                "orphans": 0,
                "error": "boom" if state == "failed" else None,
            }
            for i, (name, state) in enumerate(
                [("fgw", "succeeded"), ("zjj", "failed"), ("fgw", "running")]
            )
        ],
    )
    await seed.insert(
        store,
        tables.rejects,
        [
            {
                "connector": "fgw",
                "stream": s,
                "entity": "project",
                "sync_run_id": 1,
                "source_key": f"K{i}",
                "fingerprint": f"fp{i}",
                "raw": {"XMDM": "bad"},
                "reasons": ["code: malformed"],
                "created_at": now,
            }
            for i, s in enumerate(["projects", "filings", "projects"])
        ],
    )
    await seed.insert(
        store,
        tables.conflicts,
        [
            {
                "entity": "project",
                "entity_key": "P1",
                "project_code": "P1",
                "field": "name",
                "authority": "fgw",
                "connector": "zjj",
                "stored_value": "甲",
                "offered_value": "乙",
                "sync_run_id": 2,
                "detected_at": now,
                "resolved_at": resolved,
            }
            for resolved in (None, now)
        ],
    )
    data = await gql.data(
        """{ syncRuns(first: 2) { totalCount pageInfo { hasNextPage } nodes { id connector state rowsRead error } }
             failed: syncRuns(filter: {state: FAILED}) { nodes { connector error } }
             rejects(connector: "fgw", stream: "projects") { totalCount nodes { sourceKey raw reasons } }
             conflicts(unresolved: true) { nodes { entityKey field authority connector storedValue offeredValue } } }"""
    )
    runs = data["syncRuns"]
    assert [n["id"] for n in runs["nodes"]] == [3, 2] and runs["pageInfo"]["hasNextPage"]
    assert runs["nodes"][0]["state"] == "RUNNING" and runs["totalCount"] == 3
    assert data["failed"]["nodes"] == [{"connector": "zjj", "error": "boom"}]
    assert data["rejects"]["totalCount"] == 2
    assert data["rejects"]["nodes"][0] == {
        "sourceKey": "K2",
        "raw": {"XMDM": "bad"},
        "reasons": ["code: malformed"],
    }
    assert data["conflicts"]["nodes"] == [
        {
            "entityKey": "P1",
            "field": "name",
            "authority": "fgw",
            "connector": "zjj",
            "storedValue": "甲",
            "offeredValue": "乙",
        }
    ]
