"""POST /ingest through the real app (its lifespan, its store) with real tokens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub import auth, tables
from hub.config import HubConfig, parse_config
from hub.http.app import create_app
from hub.store import Store
from tests.asgi import running

pytestmark = pytest.mark.anyio


def hub_config(**push: Any) -> HubConfig:
    return parse_config(
        {
            "connectors": [
                {
                    "name": "zjj_push",
                    "kind": "push",
                    "department": "ZJJ",
                    "value_maps": {"zt": {"1": "ACCEPTED", "2": "IN_PROGRESS"}},
                    "streams": [
                        {
                            "entity": "filing",
                            "fields": {
                                "key": "sbbh",
                                "project_code": "xmdm",
                                "matter_code": "sxbm",
                                "department_code": {"default": "ZJJ"},
                                "submitted_at": "sqsj",
                                "status": {"column": "zt", "map": "zt"},
                            },
                        }
                    ],
                    **push,
                },
                {"name": "fgw", "kind": "sql", "url": "sqlite:///fgw.db"},
            ]
        }
    )


def filing(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "sbbh": f"ZJJ-{n:04d}",
        "xmdm": f"2014-440304-47-01-{n:06d}",
        "sxbm": "ZJJ-003",
        "sqsj": "2014-03-05 09:30",
        "zt": "1",
    } | overrides


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(hub_config(max_records=5, max_body_bytes=2000), store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http


@pytest.fixture
async def token(store: Store) -> str:
    return await auth.create_token(store, "zjj", scopes=["ingest:zjj_push"], department="ZJJ")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_pushed_records_are_applied_and_each_result_reported(
    client: httpx.AsyncClient, store: Store, token: str
) -> None:
    records = [filing(1), filing(2, zt="9"), "ZJJ-0003", filing(4, sbbh="")]
    answer = await client.post("/ingest/zjj_push/filing", json=records, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "succeeded"
    assert body["summary"] == {
        "received": 4,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
    }
    results = body["results"]
    assert [(r["index"], r["result"]) for r in results] == [
        (0, "inserted"),
        (1, "rejected"),
        (2, "rejected"),
        (3, "rejected"),
    ]
    assert "'9' is not in value map 'zt'" in results[1]["reasons"][0]
    assert results[2]["reasons"] == ["the record is a JSON string, not an object"]
    assert results[3]["reasons"] == ["field 'key' (column sbbh): required but empty"]

    again = await client.post(
        "/ingest/zjj_push/filing",
        content="\n".join(json.dumps(r) for r in (filing(1), filing(5, zt="2"), filing(1, zt="2")))
        + "\n",
        headers=bearer(token) | {"Content-Type": "application/x-ndjson"},
    )
    assert again.status_code == 200, again.text
    assert [r["result"] for r in again.json()["results"]] == ["unchanged", "inserted", "rejected"]

    async with store.read() as conn:
        stored = (await conn.execute(select(tables.filings))).all()
        rejects = (await conn.execute(select(tables.rejects))).all()
        audit = (await conn.execute(select(tables.audit_entries))).all()
    assert {(f.key, f.status, f.src_connector) for f in stored} == {
        ("ZJJ-0001", "ACCEPTED", "zjj_push"),
        ("ZJJ-0005", "IN_PROGRESS", "zjj_push"),
    }
    # The rows that failed mapping are kept, and so is a record that is not an object.
    assert sorted(str(r.source_key) for r in rejects) == ["", "None", "ZJJ-0001", "ZJJ-0002"]
    assert {"record": "ZJJ-0003"} in [r.raw for r in rejects]
    assert all(r.sync_run_id is not None for r in rejects)
    assert [(a.actor, a.action) for a in audit] == [("zjj", "ingest"), ("zjj", "ingest")]
    assert audit[0].detail["department"] == "ZJJ"
    assert audit[0].detail["inserted"] == 1 and audit[0].detail["rejected"] == 3


async def test_tokens_and_scopes_are_checked_before_anything_is_read(
    client: httpx.AsyncClient, store: Store
) -> None:
    missing = await client.post("/ingest/zjj_push/filing", json=[filing(1)])
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = await client.post("/ingest/zjj_push/filing", json=[filing(1)], headers=bearer("x"))
    assert wrong.status_code == 401
    reader = await auth.create_token(store, "reader", scopes=["read"])
    forbidden = await client.post(
        "/ingest/zjj_push/filing", json=[filing(1)], headers=bearer(reader)
    )
    assert forbidden.status_code == 403
    assert "insufficient_scope" in forbidden.headers["www-authenticate"]
    async with store.read() as conn:
        assert (await conn.execute(select(tables.filings))).all() == []


REFUSED: list[tuple[str, Any, int, str, str]] = [
    ("/ingest/nope/filing", [], 404, "NOT_FOUND", "unknown connector 'nope'"),
    (
        "/ingest/fgw/filing",
        [],
        400,
        "NOT_A_PUSH_CONNECTOR",
        "connector 'fgw' is a sql connector: the hub pulls it",
    ),
    ("/ingest/zjj_push/project", [], 404, "NOT_FOUND", "connector 'zjj_push' has no stream"),
    (
        "/ingest/zjj_push/filing",
        b'[{"sbbh": "A"},\n {"sbbh": }]',
        400,
        "BAD_REQUEST",
        "malformed JSON at line 2, column 11 (char 26)",
    ),
    ("/ingest/zjj_push/filing", {"sbbh": "A"}, 400, "BAD_REQUEST", "the body is a JSON dict"),
    ("/ingest/zjj_push/filing", b'["\xd6\xd0"]', 400, "BAD_REQUEST", "not UTF-8 (byte offset 2"),
    (
        "/ingest/zjj_push/filing",
        [filing(n) for n in range(6)],
        413,
        "REQUEST_TOO_LARGE",
        "at most 5 per request",
    ),
    ("/ingest/zjj_push/filing", [{"x": "y" * 2000}], 413, "REQUEST_TOO_LARGE", "limit of 2000"),
    ("/ingest/zjj_push/filing", b"[" * 100_000, 413, "REQUEST_TOO_LARGE", "limit of 2000"),
]


async def test_refused_pushes_say_why_in_the_shape_of_every_door(
    client: httpx.AsyncClient, token: str
) -> None:
    for path, body, status, code, error in REFUSED:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        answer = await client.post(path, content=content, headers=bearer(token))
        (problem,) = answer.json()["errors"]
        assert (answer.status_code, problem["extensions"]["code"]) == (status, code), answer.text
        assert error in problem["message"], answer.text
    unknown = await client.post("/ingest/nope/filing", json=[], headers=bearer(token))
    assert unknown.json()["errors"][0]["extensions"]["pushConnectors"] == ["zjj_push"]
    no_stream = await client.post("/ingest/zjj_push/project", json=[], headers=bearer(token))
    assert no_stream.json()["errors"][0]["extensions"]["streams"] == ["filing"]
    missing = await client.post("/ingest/zjj_push/filing", json=[filing(1)])
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
