"""Who may see what, at every door: each role against GraphQL root lists, nested lists, asOf,
history, exports, ``hub query``, the change feed and webhook deliveries, on every entity, with
the exact records and values each may read (issue 13). One small store per backend, seeded
once for the module: three departments whose matters need each other's as prerequisites
(FGW-1 <- GHJ-1 <- ZJJ-1), two projects, three filings, three events, two outcomes.

The expected views are written out by hand below (``EXPECTED``), not derived from the policy
code they check.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from hub import auth, tables
from hub.cli.query_file import run_query
from hub.config import HubConfig, parse_config
from hub.demo.tokens import demo_tokens
from hub.entities import camel_case
from hub.feed import FeedScope, read_page
from hub.http.app import create_app
from hub.policy import Policy, mask_credit_code
from hub.store import Store
from hub.webhooks import owner_scope
from tests.asgi import running
from tests.conftest import create_scratch_database, drop_scratch_database, postgres_admin_url
from tests.feed_support import SUBSCRIPTION, live_server
from tests.hub.http.test_ingest import filing as pushed_filing
from tests.hub.http.test_ingest import hub_config as push_config

pytestmark = pytest.mark.anyio

SYNCED = datetime(2026, 1, 5, 8, 0, 0)
DAY = datetime(2014, 3, 1, 1, 30, 0)
P1, P2 = "2014-440300-47-01-000001", "2014-440300-47-01-000002"
CC1, CC2 = "91440300MA5F00001X", "91440300MA5F00002Y"
ROLES = ["public", "operator", "auditor", "supervisor", "dept:FGW", "dept:GHJ", "dept:ZJJ"]
ENTITY_LISTS = {
    "project": "projects",
    "filing": "filings",
    "process_event": "processEvents",
    "outcome": "outcomes",
}

# Every record with the fields checked (snake_case), as stored.
RECORDS: dict[str, dict[str, dict[str, Any]]] = {
    "project": {
        P1: {"owner_name": "甲公司", "owner_credit_code": CC1, "total_investment": 100.0},
        P2: {"owner_name": "乙公司", "owner_credit_code": CC2, "total_investment": 200.0},
    },
    "filing": {
        "F1": {"status": "SUBMITTED", "materials": ["a"]},
        "F2": {"status": "SUBMITTED", "materials": ["b"]},
        "F3": {"status": "SUBMITTED", "materials": ["c"]},
    },
    "process_event": {
        "E1": {"actor": "王一", "opinion": "同意一", "division": "一处"},
        "E2": {"actor": "王二", "opinion": "同意二", "division": "二处"},
        "E3": {"actor": "王三", "opinion": "同意三", "division": "三处"},
    },
    "outcome": {
        "O1": {"document_number": "D1", "holder": "甲公司", "valid_until": "2020-01-01"},
        "O3": {"document_number": "D3", "holder": "乙公司", "valid_until": "2021-01-01"},
    },
}
# The records each department sees in full: its filings (F2 by its matter, its department
# being null), those of the matters its own need first, and what belongs to them.
FULL = {
    "dept:FGW": {P1, "F1", "E1", "O1"},
    "dept:GHJ": {P1, "F1", "F2", "E1", "E2", "O1"},
    "dept:ZJJ": {P1, P2, "F2", "F3", "E2", "E3", "O3"},
}
# The public view of the checked fields: what stays, and how the rest is withheld.
PUBLIC_VIEW = {
    "project": lambda v: {
        "owner_name": None,
        "owner_credit_code": mask_credit_code(v["owner_credit_code"]),
        "total_investment": None,
    },
    "filing": lambda v: {"status": v["status"], "materials": None},
    "outcome": lambda v: {
        "document_number": v["document_number"],
        "holder": None,
        "valid_until": None,
    },
}


def expected(role: str, entity: str) -> dict[str, dict[str, Any]]:
    """Key -> checked values of the records ``role`` reads of ``entity``."""
    seen = {}
    for key, values in RECORDS[entity].items():
        if role == "supervisor" or key in FULL.get(role, ()):
            seen[key] = values
        elif entity in PUBLIC_VIEW:
            seen[key] = PUBLIC_VIEW[entity](values)
    return seen


def _row(values: dict[str, Any], **more: Any) -> dict[str, Any]:
    return values | {"src_connector": "seed", "synced_at": SYNCED, "deleted_at": None} | more


async def seed(store: Store) -> None:
    t = tables
    departments = [
        _row({"code": c, "name": c, "credit_code": None, "short_name": None}, src_key=c)
        for c in ("FGW", "GHJ", "ZJJ")
    ]
    matters = [
        _row(
            {
                "code": code,
                "name": code,
                "department_code": code.split("-")[0],
                "stage": "LAND_PLANNING",
                "time_limit_class": "ORDINARY",
                "time_limit_days": 10,
                "prerequisites": needs,
            },
            src_key=code,
        )
        for code, needs in (("FGW-1", []), ("GHJ-1", ["FGW-1"]), ("ZJJ-1", ["GHJ-1"]))
    ]
    projects = [
        _row(
            {
                "code": code,
                "name": f"项目{code[-1]}",
                "category": "BUILDING",
                "funding": "GOVERNMENT",
                "district": "440304",
                "registered_at": DAY.date(),
                "status": "UNDER_APPROVAL",
            }
            | RECORDS["project"][code],
            src_key=code,
        )
        for code in (P1, P2)
    ]
    placed = {"F1": (P1, "FGW-1", "FGW"), "F2": (P1, "GHJ-1", None), "F3": (P2, "ZJJ-1", "ZJJ")}
    filings = [
        _row(
            {
                "key": key,
                "project_code": project,
                "matter_code": matter,
                "department_code": department,
                "submitted_at": DAY,
                "accepted_at": None,
                "completed_at": None,
                "time_limit_days": 10,
            }
            | RECORDS["filing"][key],
            src_key=key,
        )
        for key, (project, matter, department) in placed.items()
    ]
    events = [
        _row(
            {
                "key": key,
                "filing_key": f"F{key[1]}",
                "project_code": None,
                "step": "ACCEPT",
                "occurred_at": DAY,
            }
            | values,
            src_key=key,
        )
        for key, values in RECORDS["process_event"].items()
    ]
    outcomes = [
        _row(
            {
                "key": key,
                "filing_key": f"F{key[1]}",
                "project_code": None,
                "decision": "APPROVED",
                "document_type": "批复",
                "issued_at": DAY.date(),
                "issuer": "某局",
                "attributes": None,
            }
            | values
            | {"valid_until": date.fromisoformat(values["valid_until"])},
            src_key=key,
        )
        for key, values in RECORDS["outcome"].items()
    ]
    changes = []
    reporter = {"F1": "FGW", "F2": "GHJ", "F3": "ZJJ"}
    for entity, rows in (
        ("project", projects),
        ("filing", filings),
        ("process_event", events),
        ("outcome", outcomes),
    ):
        spec_fields = {c.name for c in tables.entity_tables[entity].c} - {
            "src_connector",
            "src_key",
            "synced_at",
            "deleted_at",
        }
        for row in rows:
            key = row["code"] if entity == "project" else row["key"]
            filing_key = row.get("filing_key", key)
            values = {
                k: (str(v) if isinstance(v, date | datetime) else v)
                for k, v in row.items()
                if k in spec_fields
            }
            changes.append(
                {
                    "op": "created",
                    "entity": entity,
                    "entity_key": key,
                    "project_code": key if entity == "project" else placed[filing_key][0],
                    "field": None,
                    "old_value": None,
                    "new_value": values,
                    "connector": "seed",
                    # projects are reported by FGW (the project register), the rest by the
                    # department handling their filing
                    "department_code": "FGW" if entity == "project" else reporter[filing_key],
                    "recorded_at": SYNCED,
                }
            )
    async with store.write() as conn:
        for table, rows in (
            (t.departments, departments),
            (t.matters, matters),
            (t.projects, projects),
            (t.filings, filings),
            (t.process_events, events),
            (t.outcomes, outcomes),
            (t.changes, changes),
        ):
            await conn.execute(table.insert(), rows)
        await conn.execute(
            t.project_annotations.insert(),
            [
                _row(
                    {
                        "key": f"A{n}",
                        "project_code": code,
                        "cause": "LAND",
                        "note": f"note {n}",
                        "author": "督办员",
                        "noted_at": DAY,
                    },
                    src_key=f"A{n}",
                )
                for n, code in ((1, P1), (2, P2))
            ],
        )
        await conn.execute(
            t.rejects.insert(),
            [
                {
                    "connector": "seed",
                    "stream": "project",
                    "entity": "project",
                    "source_key": "X",
                    "raw": {"XMDM": "bad", "TYSHXYDM": CC1},
                    "reasons": ["bad code"],
                    "fingerprint": "f",
                    "created_at": SYNCED,
                }
            ],
        )


# Its webhooks' targets are on loopback, allowed as an operator would allow an internal net.
CONFIG = HubConfig.model_validate(
    {"security": {"graphiql_anonymous": False}, "webhooks": {"allow_cidrs": ["127.0.0.0/8"]}}
)


class Hub:
    """The app on the module's store, a client, and a token per role."""

    def __init__(self, store: Store, app: Any, http: httpx.AsyncClient) -> None:
        self.store = store
        self.app = app
        self.http = http
        self.tokens: dict[str, str] = {}

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {} if token is None else {"authorization": f"Bearer {token}"}

    async def gql(self, role: str, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers(role)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Hub]:
    if request.param == "sqlite":
        url, scratch = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sec') / 'hub.db'}", None
    else:
        scratch = await create_scratch_database(postgres_admin_url())
        url = scratch.render_as_string(hide_password=False)
    store = Store(url)
    await store.migrate()
    await seed(store)
    app = create_app(CONFIG, store=store)
    try:
        async with running(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                hub = Hub(store, app, http)
                for role in ROLES[1:]:
                    name, _, department = role.partition(":")
                    name = "department" if name == "dept" else name
                    hub.tokens[role] = await auth.create_token(
                        store, role, scopes=["read"], role=name, department=department or None
                    )
                hub.tokens["public-token"] = await auth.create_token(
                    store, "public", scopes=["read"], role="public"
                )
                yield hub
    finally:
        await store.dispose()
        if scratch is not None:
            await drop_scratch_database(postgres_admin_url(), scratch)


# -- reading the answers of each door as {key: checked values} --------------------------------

SELECTIONS = {
    "project": "code owner { name creditCode } totalInvestment",
    "filing": "key status materials",
    "process_event": "key actor opinion division",
    "outcome": "key documentNumber holder validUntil",
}


def flat(entity: str, node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A GraphQL or export node as (key, checked values in snake_case)."""
    if entity == "project":
        owner = node.get("owner") or {}
        values = {
            "owner_name": node.get("ownerName", owner.get("name")),
            "owner_credit_code": node.get("ownerCreditCode", owner.get("creditCode")),
            "total_investment": node["totalInvestment"],
        }
        return node["code"], values
    names = RECORDS[entity][next(iter(RECORDS[entity]))]
    camel = {n: "".join(w.title() if i else w for i, w in enumerate(n.split("_"))) for n in names}
    return node["key"], {n: node[c] for n, c in camel.items()}


async def via_graphql(hub: Hub, role: str, entity: str) -> dict[str, dict[str, Any]]:
    name = ENTITY_LISTS[entity]
    body = await hub.gql(role, f"{{ {name}(first: 50) {{ nodes {{ {SELECTIONS[entity]} }} }} }}")
    assert "errors" not in body, body
    return dict(flat(entity, node) for node in body["data"][name]["nodes"])


async def via_export(hub: Hub, role: str, entity: str) -> dict[str, dict[str, Any]]:
    response = await hub.http.get(
        f"/export/{ENTITY_LISTS[entity]}.ndjson", headers=hub.headers(role)
    )
    assert response.status_code == 200, response.text
    return dict(flat(entity, json.loads(line)) for line in response.text.splitlines())


async def via_hub_query(hub: Hub, role: str, entity: str) -> dict[str, dict[str, Any]]:
    name = ENTITY_LISTS[entity]
    text = f"{{ {name}(first: 50) {{ nodes {{ {SELECTIONS[entity]} }} }} }}"
    token = hub.tokens["public-token"] if role == "public" else hub.tokens[role]
    response = await run_query(CONFIG, hub.store, text, {}, token)
    assert "errors" not in response, response
    return dict(flat(entity, node) for node in response["data"][name]["nodes"])


DOORS = {"graphql": via_graphql, "export": via_export, "hub query": via_hub_query}


@pytest.mark.parametrize("entity", list(ENTITY_LISTS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", list(DOORS))
async def test_each_role_reads_exactly_its_view_of_each_list(
    hub: Hub, door: str, role: str, entity: str
) -> None:
    assert await DOORS[door](hub, role, entity) == expected(role, entity)


NESTED = """
{ projects(first: 10) { nodes { code owner { name creditCode } totalInvestment
    filings(first: 10) { nodes { key status materials
      events { key actor opinion division }
      outcome { key documentNumber holder validUntil } } } } } }
"""


def collect(entity: str, node: dict[str, Any], into: dict[str, dict[str, Any]]) -> None:
    key, values = flat(entity, node)
    into.setdefault(entity, {})[key] = values


@pytest.mark.parametrize("role", ROLES)
async def test_nested_lists_and_as_of_read_the_same_views(hub: Hub, role: str) -> None:
    as_of = """query ($code: String!) { project(code: $code, asOf: "2027-01-01T00:00:00Z") {
        code owner { name creditCode } totalInvestment
        filings { nodes { key status materials events { key actor opinion division }
          outcome { key documentNumber holder validUntil } } } } }"""
    nested = (await hub.gql(role, NESTED))["data"]["projects"]["nodes"]
    rebuilt = [(await hub.gql(role, as_of, code=c))["data"]["project"] for c in (P1, P2)]
    for projects in (nested, rebuilt):
        seen: dict[str, dict[str, Any]] = {}
        for project in projects:
            collect("project", project, seen)
            for filing in project["filings"]["nodes"]:
                collect("filing", filing, seen)
                for event in filing["events"]:
                    collect("process_event", event, seen)
                if filing["outcome"] is not None:
                    collect("outcome", filing["outcome"], seen)
        for entity in ENTITY_LISTS:
            assert seen.get(entity, {}) == expected(role, entity), (entity, projects is nested)


def feed_expected(role: str, entity: str) -> dict[str, dict[str, Any]]:
    """The feed shows a project's changes in full to the department that reported them (FGW,
    the project register) and in their public view to the others; other records as the
    lists do."""
    view = expected(role, entity)
    if entity == "project" and role.startswith("dept:"):
        full = role == "dept:FGW"
        view = {k: v if full else PUBLIC_VIEW["project"](v) for k, v in RECORDS["project"].items()}
    return view


def change_views(nodes: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    seen: dict[str, dict[str, dict[str, Any]]] = {}
    for node in nodes:
        entity, values = node["entity"], node["newValue"]
        if entity in RECORDS:
            key = values["code"] if entity == "project" else values["key"]
            # the feed names fields as the graph does (camelCase)
            record = {n: values[camel_case(n)] for n in RECORDS[entity][key]}
            seen.setdefault(entity, {})[key] = record
    return seen


@pytest.mark.parametrize("role", ROLES)
async def test_the_feed_polled_and_delivered_reads_the_same_views(hub: Hub, role: str) -> None:
    body = await hub.gql(role, "{ changes(after: 0, first: 100) { nodes { entity newValue } } }")
    polled = change_views(body["data"]["changes"]["nodes"])
    policy = Policy(CONFIG)
    name, _, department = role.partition(":")
    viewer = await policy.viewer(
        hub.store, "department" if name == "dept" else name, department=department or None
    )
    page = await read_page(hub.store, FeedScope(viewer=viewer), 0, 100)
    fanned = [c for c in (await read_page(hub.store, FeedScope(), 0, 100)).changes]
    scope = FeedScope(viewer=viewer)
    # the shared reader's fan-out (subscriptions) decides as the SQL of a poll does
    assert [c.seq for c in page.changes] == [c.seq for c in fanned if scope.matches(c)]
    shaped = [scope.shape(c).to_json() for c in fanned if scope.matches(c)]
    assert change_views(shaped) == polled
    for entity in ENTITY_LISTS:
        assert polled.get(entity, {}) == feed_expected(role, entity), entity


async def test_a_department_webhook_receives_what_its_department_may_see(hub: Hub) -> None:
    register = """mutation ($name: String!, $department: String) {
        registerWebhook(name: $name, url: "http://127.0.0.1:9/h", department: $department,
                        after: 0) { secret webhook { name department } } }"""
    refused = await hub.gql("dept:GHJ", register, name="ghj-claims-zjj", department="ZJJ")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await hub.gql("public", register, name="anon"))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    made = await hub.gql("dept:GHJ", register, name="ghj-hook")
    assert made["data"]["registerWebhook"]["webhook"]["department"] == "GHJ"
    hook = await hub.app.state.webhooks.get("ghj-hook")
    scope = await owner_scope(Policy(CONFIG), hub.store, hook)
    delivered = change_views(
        [c.to_json() for c in (await read_page(hub.store, scope, 0, 100)).changes]
    )
    for entity in ENTITY_LISTS:
        assert delivered.get(entity, {}) == feed_expected("dept:GHJ", entity)
    # only the owner department or an operator manages it
    pause = 'mutation { pauseWebhook(name: "ghj-hook") { state } }'
    assert (await hub.gql("dept:ZJJ", pause))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listed = await hub.gql("dept:ZJJ", "{ webhooks { name } }")
    assert listed["data"]["webhooks"] == []
    assert (await hub.gql("dept:GHJ", pause))["data"]["pauseWebhook"]["state"] == "PAUSED"
    delete = 'mutation { deleteWebhook(name: "ghj-hook") }'
    assert (await hub.gql("operator", delete))["data"]["deleteWebhook"] is True


async def test_filters_sorts_and_aggregates_cannot_probe_hidden_values(hub: Hub) -> None:
    probe = """query ($cc: String!) { projects(filter: {ownerCreditCode: {eq: $cc}}) {
        nodes { code } } projectStats(groupBy: []) { count totalInvestment }
        stepStats(groupBy: []) { count } }"""
    public = (await hub.gql("public", probe, cc=CC2))["data"]
    assert public["projects"]["nodes"] == []
    assert public["projectStats"] == [{"count": 2, "totalInvestment": None}]
    assert public["stepStats"] == [] or public["stepStats"][0]["count"] == 0
    ghj = (await hub.gql("dept:GHJ", probe, cc=CC2))["data"]
    assert ghj["projects"]["nodes"] == []  # P2 is not GHJ's
    assert ghj["projectStats"] == [{"count": 2, "totalInvestment": 100.0}]
    assert (await hub.gql("dept:GHJ", probe, cc=CC1))["data"]["projects"]["nodes"] == [{"code": P1}]
    supervisor = (await hub.gql("supervisor", probe, cc=CC2))["data"]
    assert supervisor["projects"]["nodes"] == [{"code": P2}]
    assert supervisor["projectStats"] == [{"count": 2, "totalInvestment": 300.0}]
    by_money = "{ projects(orderBy: [{field: TOTAL_INVESTMENT}]) { nodes { code } } }"
    for role in ("public", "dept:GHJ"):
        error = (await hub.gql(role, by_money))["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in await hub.gql("supervisor", by_money)


@pytest.mark.parametrize("role", ROLES)
async def test_project_annotations_are_shown_with_their_project(hub: Hub, role: str) -> None:
    query = "{ projects { nodes { code annotations { key cause { code } note author } } } }"
    nodes = (await hub.gql(role, query))["data"]["projects"]["nodes"]
    found = {a["key"]: a for node in nodes for a in node["annotations"]}
    full = {"A1": P1, "A2": P2}
    for key, code in full.items():
        shown = role == "supervisor" or code in FULL.get(role, ())
        note = f"note {key[1]}" if shown else None
        assert found[key] == {
            "key": key,
            "cause": {"code": "LAND"},
            "note": note,
            "author": "督办员" if shown else None,
        }, (role, key)


async def test_history_values_are_masked_like_the_record(hub: Hub) -> None:
    query = "query ($code: String!) { project(code: $code) { history { newValue } } }"
    for role, code, full in (
        ("public", P1, False),
        ("dept:GHJ", P1, True),
        ("dept:GHJ", P2, False),
    ):
        (entry,) = (await hub.gql(role, query, code=code))["data"]["project"]["history"]
        values = {n: entry["newValue"][camel_case(n)] for n in RECORDS["project"][code]}
        stored = RECORDS["project"][code]
        assert values == (stored if full else PUBLIC_VIEW["project"](stored)), (role, code)


OPERATIONS = {
    "syncRuns": "{ syncRuns { totalCount } }",
    "rejects": "{ rejects { nodes { raw reasons } } }",
    "conflicts": "{ conflicts { totalCount } }",
    "sourceFiles": "{ sourceFiles { connector } }",
    "auditLog": "{ auditLog(first: 5) { nodes { action } } }",
}


@pytest.mark.parametrize("role", ROLES)
async def test_operations_and_the_audit_log_are_for_their_roles(hub: Hub, role: str) -> None:
    for field, query in OPERATIONS.items():
        body = await hub.gql(role, query)
        allowed = role == "auditor" if field == "auditLog" else role == "operator"
        if allowed:
            assert "errors" not in body, body
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (field, body)
    if role == "operator":  # raw rejected rows are sensitive: the operator has no clearance
        rejects = (await hub.gql(role, OPERATIONS["rejects"]))["data"]["rejects"]["nodes"]
        assert rejects == [{"raw": None, "reasons": ["bad code"]}]
    metrics = await hub.http.get("/metrics", headers=hub.headers(role))
    expected_status = 200 if role == "operator" else 401 if role == "public" else 403
    assert metrics.status_code == expected_status
    audit = await hub.http.get("/export/auditLog.ndjson", headers=hub.headers(role))
    assert audit.status_code == (200 if role == "auditor" else 401 if role == "public" else 403)


async def test_graphiql_and_bad_tokens(hub: Hub) -> None:
    page = {"accept": "text/html"}
    assert (await hub.http.get("/graphql", headers=page)).status_code == 401  # config: no
    shown = await hub.http.get("/graphql", headers=page | hub.headers("dept:GHJ"))
    assert shown.status_code == 200 and "graphiql" in shown.text.lower()
    bad = await hub.http.post(
        "/graphql",
        json={"query": "{ departments { code } }"},
        headers={"authorization": "Bearer x"},
    )
    assert bad.status_code == 401
    mutation = 'mutation { deleteWebhook(name: "x") }'
    assert (await hub.gql("public", mutation))["errors"][0]["extensions"]["code"] in (
        "FORBIDDEN",
        "NOT_FOUND",
    )


async def test_sensitive_reads_exports_and_verifications_are_audited(hub: Hub) -> None:
    query = "query Owners { projects { nodes { code owner { creditCode } } } }"
    await hub.http.post(
        "/graphql",
        json={"query": query, "operationName": "Owners"},
        headers=hub.headers("supervisor") | {"x-request-id": "req-audit-1"},
    )
    await hub.http.get("/export/projects.csv", headers=hub.headers("dept:GHJ"))
    verify = '{ outcomes(filter: {documentNumber: {eq: "D3"}}) { nodes { key } } }'
    await hub.gql("public", verify)
    await hub.gql("dept:GHJ", "{ projects { nodes { owner { creditCode } } } }")  # not audited
    await hub.app.state.audit.flush()
    body = await hub.gql("auditor", "{ auditLog(first: 50) { nodes { actor action detail } } }")
    entries = body["data"]["auditLog"]["nodes"]
    read = next(e for e in entries if e["action"] == "read")
    assert read["actor"] == "supervisor"
    assert read["detail"] | {"request_id": None} == {
        "token": "supervisor",
        "role": "supervisor",
        "department": None,
        "operation": "Owners",
        "fields": ["project.owner_credit_code"],
        "records": 2,
        "values": {"project.owner_credit_code": 2},
        "request_id": None,
    }
    assert read["detail"]["request_id"] == "req-audit-1"
    assert {e["detail"]["role"] for e in entries if e["action"] == "read"} == {"supervisor"}
    export = next(e for e in entries if e["action"] == "export")
    assert export["detail"]["operation"] == "projects.csv" and export["detail"]["records"] == 2
    assert export["detail"]["department"] == "GHJ"
    assert export["detail"]["fields"] == ["project.owner_credit_code"]
    verification = next(e for e in entries if e["action"] == "verification")
    assert verification["actor"] == "anonymous" and verification["detail"]["records"] == 1


async def test_push_tokens_write_only_into_their_departments_connectors(store: Store) -> None:
    app = create_app(push_config(), store=store)
    other = await auth.create_token(store, "ghj-push", scopes=["ingest:*"], department="GHJ")
    none = await auth.create_token(store, "nobody-push", scopes=["ingest:zjj_push"])
    own = await auth.create_token(store, "zjj-push", scopes=["ingest:zjj_push"], department="ZJJ")
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:

            async def push(token: str) -> httpx.Response:
                return await http.post(
                    "/ingest/zjj_push/filing",
                    json=[pushed_filing(1)],
                    headers={"authorization": f"Bearer {token}"},
                )

            for refused in (other, none):
                response = await push(refused)
                assert response.status_code == 403
                assert "ZJJ" in response.json()["errors"][0]["message"]
            assert (await push(own)).status_code == 200
    async with store.read() as conn:
        departments = (await conn.execute(select(tables.changes.c.department_code))).scalars()
        assert set(departments) == {"ZJJ"}


def test_a_department_token_needs_its_department(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite+aiosqlite:///{tmp_path / "h.db"}"\n', "utf-8")
    runner = CliRunner()
    missing = runner.invoke(
        app, ["token", "create", "x", "--role", "department", "-c", str(config)]
    )
    assert missing.exit_code == 2 and "--department" in missing.output
    unknown = runner.invoke(app, ["token", "create", "y", "--role", "boss", "-c", str(config)])
    assert unknown.exit_code == 2 and "unknown role 'boss'" in unknown.output
    made = runner.invoke(
        app,
        ["token", "create", "z", "--role", "department", "--department", "ZJJ", "-c", str(config)],
    )
    assert made.exit_code == 0 and made.stdout.strip().startswith("xth_")
    listed = runner.invoke(app, ["token", "list", "-c", str(config)])
    assert "department" in listed.output and "ZJJ" in listed.output


def test_roles_are_configurable() -> None:
    config = parse_config(
        {
            "security": {"anonymous": "visitor", "sensitive_fields": {"project": ["owner_name"]}},
            "roles": {"visitor": {"data": "none"}, "supervisor": {"audit_reads": False}},
        }
    )
    assert config.role("visitor").data == "none"
    assert config.role("supervisor").data == "all" and not config.role("supervisor").audit_reads
    policy = Policy(config)
    assert policy.sensitive["project"] == {"owner_name"}


async def test_the_demo_writes_a_token_per_role_and_department(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "tokens.toml"
    tokens = await demo_tokens(hub.store, path)
    written = tomllib.loads(path.read_text(encoding="utf-8"))["tokens"]
    assert set(written) == {"supervisor", "operator", "auditor", "department"}
    assert set(written["department"]) == {"FGW", "GHJ", "ZJJ"}
    assert written["department"]["GHJ"] == tokens["department.GHJ"]
    principal = await auth.principal_of(hub.store, written["department"]["GHJ"])
    assert principal is not None and (principal.role, principal.department) == ("department", "GHJ")
    # the GHJ token reads GHJ's view
    hub.tokens["demo"] = written["department"]["GHJ"]
    assert await via_graphql(hub, "demo", "process_event") == expected("dept:GHJ", "process_event")
    # kept while valid; a revoked one is replaced
    assert await demo_tokens(hub.store, path) == tokens
    await auth.revoke_token(hub.store, principal.name)
    again = await demo_tokens(hub.store, path)
    assert again["department.GHJ"] != tokens["department.GHJ"]
    assert {k: v for k, v in again.items() if k != "department.GHJ"} == {
        k: v for k, v in tokens.items() if k != "department.GHJ"
    }


async def test_a_subscription_over_a_websocket_reads_as_its_token(hub: Hub) -> None:
    """The token on the websocket's upgrade request decides what its subscription receives."""
    app = create_app(CONFIG, store=hub.store)
    async with live_server(app) as address:
        for role in ("public", "dept:GHJ", "supervisor"):
            async with connect(
                f"ws://{address}/graphql",
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                additional_headers=hub.headers(role),
            ) as socket:
                await socket.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await socket.recv())["type"] == "connection_ack"
                variables = {"filter": {"entities": ["outcome"]}, "after": 0}
                payload = {"query": SUBSCRIPTION, "variables": variables}
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                nodes = []
                for _ in RECORDS["outcome"]:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    assert message["type"] == "next", message
                    nodes.append(message["payload"]["data"]["changes"])
            assert change_views(nodes)["outcome"] == feed_expected(role, "outcome"), role


async def test_authorize_is_the_yes_or_no_of_viewer_for(hub: Hub) -> None:
    from starlette.requests import Request

    from hub.http.access import authorize

    def request(headers: dict[str, str]) -> Request:
        raw = [(k.encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "headers": raw, "app": hub.app})

    assert await authorize(request({})) is None  # anonymous reads the public view
    assert await authorize(request(hub.headers("dept:GHJ"))) is None
    refused = await authorize(request({"authorization": "Bearer nope"}))
    assert refused is not None and refused.status_code == 401


DEPARTMENTS = {"dept:FGW", "dept:GHJ", "dept:ZJJ"}
# door -> (query, the roles it answers; the others get FORBIDDEN)
DOORS_OF_THE_HUB = {
    "applicant": (f'{{ applicant(creditCode: "{CC1}") {{ creditCode }} }}', {"supervisor"}),
    "weeklyReport": ('{ weeklyReport(week: "2014-W09") { week } }', {"supervisor", "operator"}),
    "verifyCertificate": (
        '{ verifyCertificate(documentNumber: "X-1", holderName: "某公司") { result } }',
        {"supervisor"} | DEPARTMENTS,
    ),
    "qualityRules": ("{ qualityRules { name } }", {"supervisor", "operator"} | DEPARTMENTS),
    "annotateProject": (
        f'mutation {{ annotateProject(projectCode: "{P1}", cause: "NOT_A_CAUSE") {{ key }} }}',
        {"supervisor"},  # answered: with INVALID_ANNOTATION (the cause is not configured)
    ),
}


async def test_the_hubs_other_doors_are_for_their_roles(hub: Hub) -> None:
    for role in ROLES:
        for door, (query, allowed) in DOORS_OF_THE_HUB.items():
            body = await hub.gql(role, query)
            codes = {e["extensions"]["code"] for e in body.get("errors", [])}
            assert ("FORBIDDEN" not in codes) == (role in allowed), (role, door, body)


async def test_findings_are_read_by_their_department(hub: Hub) -> None:
    async with hub.store.write() as conn:
        await conn.execute(tables.findings.delete())
        await conn.execute(
            tables.findings.insert(),
            [
                {
                    "rule": "unknown_matter_code",
                    "severity": "ERROR",
                    "entity": "filing",
                    "entity_key": f"F-{department}",
                    "department_code": department,
                    "message": "x",
                    "first_seen": SYNCED,
                    "last_seen": SYNCED,
                }
                for department in ("FGW", "GHJ")
            ],
        )
    query = "{ findings { nodes { departmentCode } } }"
    expected = {"supervisor": ["FGW", "GHJ"], "operator": ["FGW", "GHJ"], "dept:GHJ": ["GHJ"]}
    expected |= {"dept:ZJJ": []}
    for role in ROLES:
        body = await hub.gql(role, query)
        export = await hub.http.get("/export/findings.ndjson", headers=hub.headers(role))
        if role in expected or role == "dept:FGW":
            seen = sorted(n["departmentCode"] for n in body["data"]["findings"]["nodes"])
            assert seen == expected.get(role, ["FGW"]), role
            exported = [json.loads(line)["departmentCode"] for line in export.text.splitlines()]
            assert sorted(exported) == seen
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
            assert export.status_code == (401 if role == "public" else 403)


async def test_the_console_and_reports_are_for_their_roles(hub: Hub) -> None:
    pages = {
        "/console": {"operator"},
        "/console/rejects": {"operator"},
        "/console/board": {"supervisor"},
        "/console/reports": {"supervisor", "operator"},
    }
    for role in ROLES[1:]:
        for path, allowed in pages.items():
            page = await hub.http.get(path, headers=hub.headers(role))
            assert (page.status_code == 200) == (role in allowed), (role, path, page.text[:300])
            assert page.status_code in (200, 403), (role, path)
    sync = await hub.http.post(
        "/console/sync/nothing", headers=hub.headers("supervisor") | {"origin": "http://hub.test"}
    )
    assert sync.status_code == 403
