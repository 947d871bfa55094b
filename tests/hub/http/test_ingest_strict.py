"""Strict push input through the real app on SQLite and PostgreSQL: each value that does not fit
its field (too large, not finite, the wrong JSON type, negative, too long, not a date) rejects
its own record with a reason naming the field; the request's other records are applied, and
nothing is ever a 500."""

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


def stream(entity: str, **fields: Any) -> dict[str, Any]:
    return {"entity": entity, "fields": fields}


CONFIG: HubConfig = parse_config(
    {
        "connectors": [
            {
                "name": "zjj_push",
                "kind": "push",
                "department": "ZJJ",
                "value_maps": {"zt": {"1": "ACCEPTED", "2": "IN_PROGRESS"}},
                "streams": [
                    stream(
                        "filing",
                        key="sbbh",
                        project_code="xmdm",
                        matter_code="sxbm",
                        department_code={"default": "ZJJ"},
                        submitted_at="sqsj",
                        status={"column": "zt", "map": "zt"},
                        time_limit_days="sx",
                        materials="cl",
                    ),
                    stream(
                        "project",
                        code="xmdm",
                        name="xmmc",
                        total_investment="ztz",
                        registered_at="djsj",
                    ),
                    stream(
                        "outcome",
                        key="zzbh",
                        filing_key="sbbh",
                        decision="jg",
                        valid_until="yxq",
                    ),
                ],
            }
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
        "sx": 20,
        "cl": ["申请表"],
    } | overrides


def project(n: int, **overrides: Any) -> dict[str, Any]:
    return {
        "xmdm": f"2014-440304-47-01-{n:06d}",
        "xmmc": f"项目{n}",
        "ztz": 1200.5,
        "djsj": "2014-03-01",
    } | overrides


def outcome(n: int, **overrides: Any) -> dict[str, Any]:
    return {"zzbh": f"ZZ-{n}", "sbbh": f"ZJJ-{n:04d}", "jg": "APPROVED", "yxq": "2015-03-01"} | (
        overrides
    )


# (record, the field its reason names, a part of the reason)
FILINGS: list[tuple[dict[str, Any] | str, str, str]] = [
    (filing(1, sx=2**63), "time_limit_days", "out of range"),
    (filing(2, sx="1e400"), "time_limit_days", "out of range"),
    (filing(3, sx=-5), "time_limit_days", "must not be negative"),
    (filing(4, sx=True), "time_limit_days", "a JSON boolean"),
    (filing(5, sx=1.5), "time_limit_days", "not a whole number"),
    (filing(6, sx={"days": 5}), "time_limit_days", "a JSON object"),
    (filing(7, sx="NaN"), "time_limit_days", "not a finite number"),
    (filing(8, sbbh={"id": 8}), "key", "a JSON object"),
    (filing(9, sbbh=["ZJJ-0009"]), "key", "a JSON array"),
    (filing(10, sbbh=True), "key", "a JSON boolean"),
    (filing(11, sxbm=False), "matter_code", "a JSON boolean"),
    (filing(12, sxbm="事" * 65), "matter_code", "65 characters, more than the 64"),
    (filing(13, zt=["1"]), "status", "a JSON array"),
    (filing(14, sqsj=20140305), "submitted_at", "a JSON number"),
    (filing(15, sqsj=True), "submitted_at", "a JSON boolean"),
    (filing(16, sqsj={"date": "2014-03-05"}), "submitted_at", "a JSON object"),
    (filing(17, sqsj="2014-13-45"), "submitted_at", "not a valid date/time"),
    (filing(18, cl="不是JSON"), "materials", "is not JSON"),
    (filing(19, sbbh="ZJJ\u00000019"), "key", "a NUL character"),
    (filing(20, sxbm="ZJJ-\ud800"), "matter_code", "not valid Unicode"),
    (filing(21, sbbh="K" * 5000), "key", "5000 characters, more than the 64"),
    (filing(22, sx=10**30), "time_limit_days", "out of range"),
    (filing(23, sqsj="9999-12-31T23:59:59-14:00"), "submitted_at", "out of range"),
]
PROJECTS: list[tuple[dict[str, Any] | str, str, str]] = [
    (project(31, ztz=True), "total_investment", "a JSON boolean"),
    (project(32, ztz="Infinity"), "total_investment", "not a finite number"),
    (project(33, ztz=-100), "total_investment", "must not be negative"),
    (project(34, ztz=[1]), "total_investment", "a JSON array"),
    (project(35, xmmc="名" * 401), "name", "401 characters, more than the 400"),
    (project(36, xmmc=12), "name", "a JSON number"),
    (project(37, djsj=20140301), "registered_at", "a JSON number"),
    (project(38, xmdm={"code": 1}), "code", "a JSON object"),
]
OUTCOMES: list[tuple[dict[str, Any] | str, str, str]] = [
    (outcome(41, yxq=20150301), "valid_until", "a JSON number"),
    (outcome(42, yxq="2015-02-30"), "valid_until", "not a valid date"),
    (outcome(43, yxq=["2015-03-01"]), "valid_until", "a JSON array"),
    (outcome(44, jg=1), "decision", "a JSON number"),
]


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(CONFIG, store=store)
    token = await auth.create_token(store, "zjj", scopes=["ingest:zjj_push"], department="ZJJ")
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test", headers=headers
        ) as http:
            yield http


def body(records: list[Any], *literals: str) -> bytes:
    """A JSON array of ``records`` and then raw JSON ``literals`` (NaN, 1e400 ...), which
    ``json.dumps`` would not write as a client may."""
    text = json.dumps(records)
    return (text[:-1] + "".join(f", {literal}" for literal in literals) + "]").encode()


@pytest.mark.parametrize(
    ("name", "bad", "good"),
    [("filing", FILINGS, filing(99)), ("project", PROJECTS, project(98)),
     ("outcome", OUTCOMES, outcome(97))],
)  # fmt: skip
async def test_each_bad_value_rejects_its_own_record_and_the_rest_is_applied(
    client: httpx.AsyncClient,
    store: Store,
    name: str,
    bad: list[tuple[dict[str, Any], str, str]],
    good: dict[str, Any],
) -> None:
    records = [record for record, _, _ in bad] + [good]
    answer = await client.post(f"/ingest/zjj_push/{name}", content=body(records))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    for (_, field, reason), result in zip(bad, results, strict=False):
        assert result["result"] == "rejected", (field, result)
        assert any(f"field {field!r}" in r and reason in r for r in result["reasons"]), (
            field,
            reason,
            result["reasons"],
        )
    assert results[-1]["result"] == "inserted", results[-1]
    async with store.read() as conn:
        rejects = (await conn.execute(select(tables.rejects.c.reasons))).all()
    assert len(rejects) == len(bad)


async def test_json_literals_beyond_floats_reject_their_record(
    client: httpx.AsyncClient, store: Store
) -> None:
    literal = '{"xmdm": "2014-440304-47-01-000051", "xmmc": "x", "ztz": %s}'
    content = body(
        [project(50)],
        literal % "NaN",
        literal.replace("51", "52") % "Infinity",
        literal.replace("51", "53") % "-1e400",
        literal.replace("51", "54") % ("9" * 5000),
        literal.replace("51", "55") % "12.5",
    )
    answer = await client.post("/ingest/zjj_push/project", content=content)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["result"] for r in results] == ["inserted"] + ["rejected"] * 4 + ["inserted"]
    for result in results[1:5]:
        assert "field 'total_investment'" in result["reasons"][0], result
    big = await client.post(
        "/ingest/zjj_push/filing",
        content=body([filing(60)], json.dumps(filing(61)).replace('"sx": 20', '"sx": 1e400')),
    )
    assert [r["result"] for r in big.json()["results"]] == ["inserted", "rejected"]
    nested = await client.post(
        "/ingest/zjj_push/filing",
        content=body(
            [filing(62)], json.dumps(filing(63, cl=[1])).replace('"cl": [1]', '"cl": [NaN]')
        ),
    )
    assert [r["result"] for r in nested.json()["results"]] == ["inserted", "rejected"]
    assert "field 'materials'" in nested.json()["results"][1]["reasons"][0]
    # JSON nested too deeply for any parser: the request as a whole is a bad request.
    answer = await client.post("/ingest/zjj_push/filing", content=b"[" * 100_000 + b"]" * 100_000)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "nested too deeply" in answer.json()["errors"][0]["message"]
