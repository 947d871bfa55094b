"""Idle projects (hub.idle) through the real app on SQLite and PostgreSQL: who is idle as of a
day and who is not (finished, withdrawn, building, recent), since when, the inferred and the
annotated causes, annotations pushed and given by a supervisor, and the bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from hub import auth, tables
from hub.clock import utcnow
from hub.config import HubConfig, parse_config
from hub.http.app import create_app
from hub.sla import china_today
from hub.store import Store
from tests.asgi import TRUSTED, StatementLog, running

pytestmark = pytest.mark.anyio

DAY = "2014-12-31"
MATTERS = (
    ("A-001", "企业投资项目备案", "LAND_PLANNING", []),
    ("A-002", "建设工程施工招标备案", "CONSTRUCTION_PERMIT", ["A-001"]),
    ("A-003", "建筑工程施工许可证核发", "CONSTRUCTION_PERMIT", ["A-001"]),
    ("A-004", "建设工程竣工验收备案", "COMPLETION_ACCEPTANCE", ["A-003"]),
)


def code(n: int) -> str:
    return f"2014-440304-47-01-{n:06d}"


# project number -> its filings: (matter, status, submitted, completed), China-time days as UTC.
FILINGS: dict[int, list[tuple[str, str, str, str | None]]] = {
    1: [("A-001", "APPROVED", "2014-03-03", "2014-03-04")],  # idle: next the tender, 招标
    2: [("A-001", "APPROVED", "2014-11-28", "2014-12-01")],  # active a month ago
    3: [("A-004", "APPROVED", "2014-05-05", "2014-05-06")],  # finished
    4: [("A-001", "WITHDRAWN", "2014-04-01", "2014-04-02")],  # withdrawn
    5: [("A-003", "APPROVED", "2014-06-02", "2014-06-03")],  # building
    6: [("A-001", "SUPPLEMENT", "2014-05-05", None)],  # waits on the owner; annotated LAND
    7: [("A-001", "APPROVED", "2014-04-01", "2014-04-02")],  # an older annotation: inferred
    8: [("A-001", "APPROVED", "2014-10-29", "2014-10-30")],  # idle by a day
    9: [("A-001", "APPROVED", "2014-10-30", "2014-10-31")],  # not idle by a day
}
IDLE = {code(n) for n in (1, 6, 7, 8)}


def hub_config() -> HubConfig:
    fields = {
        "key": "id",
        "project_code": "xmdm",
        "cause": "yy",
        "note": "sm",
        "author": "dbr",
        "noted_at": "dbsj",
    }
    stream = {"entity": "project_annotation", "name": "causes", "fields": fields}
    connector = {"name": "dbj", "kind": "push", "department": "DBJ", "streams": [stream]}
    # The idle rule is under test, not who may read it: anonymous callers read everything.
    return parse_config(TRUSTED | {"supervision": {"as_of": DAY}, "connectors": [connector]})


def at(day: str, hour: int = 2) -> datetime:
    """A stored (naive UTC) instant on a China-time day (hour 2 UTC is 10:00 in China)."""
    return datetime.fromisoformat(day).replace(hour=hour)


async def seed(store: Store) -> None:
    made = {"src_connector": "seed", "src_key": "-", "synced_at": datetime(2015, 1, 1)}
    async with store.write() as conn:
        await conn.execute(
            tables.matters.insert(),
            [
                {"code": c, "name": n, "department_code": "X", "stage": s, "prerequisites": p}
                | made
                for c, n, s, p in MATTERS
            ],
        )
        await conn.execute(
            tables.projects.insert(),
            [
                {"code": code(n), "name": f"项目{n}", "registered_at": at("2014-01-02")} | made
                for n in FILINGS
            ],
        )
        await conn.execute(
            tables.filings.insert(),
            [
                {
                    "key": f"F{n}-{i}",
                    "project_code": code(n),
                    "matter_code": matter,
                    "status": status,
                    "submitted_at": at(submitted),
                    "accepted_at": at(submitted, 3),
                    "completed_at": None if completed is None else at(completed),
                }
                | made
                for n, rows in FILINGS.items()
                for i, (matter, status, submitted, completed) in enumerate(rows)
            ],
        )
        old = {"project_code": code(7), "cause": "FUNDING", "noted_at": at("2014-02-01")}
        await conn.execute(tables.project_annotations.insert(), [{"key": "OLD-7"} | old | made])


@pytest.fixture
async def http(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    await store.migrate()
    await seed(store)
    app = create_app(hub_config(), store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client


async def graphql(
    http: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def data(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body = await graphql(http, query, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


async def push(http: httpx.AsyncClient, store: Store, rows: list[dict[str, Any]]) -> Any:
    token = await auth.create_token(store, "dbj", scopes=["ingest:dbj"], department="DBJ")
    response = await http.post(
        "/ingest/dbj/causes", json=rows, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


PROJECTS = """query($months: Int) {
  projects(filter: {idle: {asOf: "2014-12-31", months: $months}}, first: 50) {
    totalCount
    nodes { code lastActivityOn idle(months: $months) { since days cause { code } causeSource
      inferredCause { code } waiting nextMatter { code } annotation { key note author } } }
  }
}"""


async def test_who_is_idle_since_when_and_why(http: httpx.AsyncClient, store: Store) -> None:
    result = await push(
        http,
        store,
        [
            {"id": "Z1", "xmdm": code(6), "yy": "LAND", "sm": "用地未落实", "dbr": "王伟",
             "dbsj": "2014-09-01 10:00"},
            {"id": "Z2", "xmdm": code(1), "yy": "WEATHER", "dbsj": "2014-09-01 10:00"},
            {"id": "Z3", "xmdm": code(99), "yy": "LAND", "dbsj": "2014-09-01 10:00"},
        ],
    )  # fmt: skip
    statuses = [r["result"] for r in result["results"]]
    assert statuses == ["inserted", "rejected", "rejected"]
    bad_cause, unknown_project = (r["reasons"] for r in result["results"][1:])
    assert "'cause'" in bad_cause[0] and "'WEATHER'" in bad_cause[0] and "LAND" in bad_cause[0]
    assert code(99) in unknown_project[0] and "project" in unknown_project[0]
    async with store.read() as conn:
        rejects = (await conn.execute(select(func.count()).select_from(tables.rejects))).scalar()
    assert rejects == 2

    page = (await data(http, PROJECTS, months=2))["projects"]
    assert page["totalCount"] == 4
    nodes = {node["code"]: node for node in page["nodes"]}
    assert set(nodes) == IDLE
    first = nodes[code(1)]
    assert first["lastActivityOn"] == "2014-03-04"
    assert first["idle"]["since"] == "2014-03-04" and first["idle"]["days"] == 302
    assert first["idle"]["cause"] == {"code": "TENDERING"}  # the next matter is the tender
    assert (first["idle"]["causeSource"], first["idle"]["waiting"]) == ("INFERRED", "NOT_FILED")
    assert first["idle"]["nextMatter"] == {"code": "A-002"}
    sixth = nodes[code(6)]["idle"]
    assert (sixth["cause"], sixth["causeSource"]) == ({"code": "LAND"}, "ANNOTATED")
    assert sixth["inferredCause"] == {"code": "ORGANISATION"}  # waiting for its supplement
    assert sixth["annotation"] == {"key": "Z1", "note": "用地未落实", "author": "王伟"}
    # An annotation from before the spell began no longer says why.
    assert nodes[code(7)]["idle"]["causeSource"] == "INFERRED"
    # One month: the project quiet since 2014-10-31 is idle too, the one active on 12-01 not.
    shorter = (await data(http, PROJECTS, months=1))["projects"]
    assert {n["code"] for n in shorter["nodes"]} == IDLE | {code(9)}

    stats = await data(
        http,
        '{ idleStats(asOf: "2014-12-31", groupBy: [CAUSE]) '
        "{ cause { code name land } count share annotated inferred } "
        "total: idleStats(groupBy: []) { count share annotated inferred } }",
    )
    rows = {row["cause"]["code"]: row for row in stats["idleStats"]}
    assert rows["TENDERING"] == {
        "cause": {"code": "TENDERING", "name": "招标", "land": False},
        "count": 3,
        "share": 0.75,
        "annotated": 0,
        "inferred": 3,
    }
    assert rows["LAND"]["count"] == 1 and rows["LAND"]["annotated"] == 1
    assert stats["total"] == [{"count": 4, "share": 1.0, "annotated": 1, "inferred": 3}]


async def test_the_statements_do_not_grow_with_the_page(
    http: httpx.AsyncClient, store: Store
) -> None:
    log = StatementLog()
    event.listen(store.engine.sync_engine, "before_cursor_execute", log)
    query = """query($first: Int) { projects(first: $first) { nodes { code lastActivityOn
      idle { cause { code } nextMatter { code name } annotation { key } } annotations { key } } }
    }"""
    try:
        counts = []
        for first in (2, 9):
            with log.recording():
                await data(http, query, first=first)
            counts.append(len(log.selects))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", log)
    assert counts[0] == counts[1], counts


async def test_bad_questions_say_what_and_where(http: httpx.AsyncClient) -> None:
    future = await graphql(http, '{ idleStats(asOf: "2999-01-01", groupBy: []) { count } }')
    (error,) = future["errors"]
    assert error["message"].startswith("asOf: 2999-01-01 is in the future")
    assert error["extensions"]["code"] == "INVALID_IDLE_QUESTION"
    assert error["path"] == ["idleStats"]
    none = await graphql(http, "{ projects(filter: {idle: {months: 0}}) { totalCount } }")
    assert none["errors"][0]["message"] == "months: must be 1 or more, not 0"


ANNOTATE = """mutation($project: String!, $cause: String!) {
  annotateProject(projectCode: $project, cause: $cause, note: "待招标") {
    key projectCode cause { code name } note author provenance { connector }
  }
}"""


async def test_a_supervisor_annotates_and_the_cause_is_theirs_from_then_on(
    http: httpx.AsyncClient, store: Store
) -> None:
    anonymous = await graphql(http, ANNOTATE, project=code(1), cause="TENDERING")
    assert anonymous["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    reader = await auth.create_token(store, "reader", scopes=["read"])
    denied = await graphql(http, ANNOTATE, reader, project=code(1), cause="TENDERING")
    assert "token 'reader'" in denied["errors"][0]["message"]
    supervisor = await auth.create_token(
        store, "dbj-li", scopes=["read"], role="supervisor", department="DBJ"
    )
    wrong = await graphql(http, ANNOTATE, supervisor, project=code(1), cause="RAIN")
    (error,) = wrong["errors"]
    assert error["extensions"]["code"] == "INVALID_ANNOTATION"
    assert code(1) in error["message"] and "'RAIN'" in error["message"]
    assert "TENDERING" in error["message"]  # the known causes are listed
    unknown = await graphql(http, ANNOTATE, supervisor, project=code(98), cause="LAND")
    assert f"no project '{code(98)}'" in unknown["errors"][0]["message"]
    done = await graphql(http, ANNOTATE, supervisor, project=code(1), cause="FUNDING")
    assert "errors" not in done, done
    annotation = done["data"]["annotateProject"]
    assert annotation["cause"] == {"code": "FUNDING", "name": "资金"}
    assert (annotation["author"], annotation["provenance"]) == (
        "dbj-li",
        {"connector": "supervision"},
    )
    # Noted today: the cause of the spell as of today; as of the configured day, still inferred.
    today = china_today(utcnow()).isoformat()
    query = '{ project(code: "%s") { now: idle(asOf: "%s") { cause { code } causeSource } '
    query += "then: idle { cause { code } causeSource } } }"
    found = (await data(http, query % (code(1), today)))["project"]
    assert found["now"] == {"cause": {"code": "FUNDING"}, "causeSource": "ANNOTATED"}
    assert found["then"] == {"cause": {"code": "TENDERING"}, "causeSource": "INFERRED"}
    async with store.read() as conn:
        changes = (
            await conn.execute(
                select(tables.changes.c.op, tables.changes.c.department_code).where(
                    tables.changes.c.entity == "project_annotation"
                )
            )
        ).all()
    assert [tuple(c) for c in changes] == [("created", "DBJ")]
