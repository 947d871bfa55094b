"""The demo's planted data problems (hub.demo.planted), found exactly by the data checks that
run after each sync of the demo's connectors; and nothing else is found."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event, func, select

from hub import tables
from hub.changelog import ChangeLog
from hub.checks.registry import rules
from hub.checks.runner import DataChecks
from hub.config import load_config, parse_config
from hub.demo import build_demo, generate
from hub.demo.signing import expected_findings
from hub.demo.sources.zjj import checked_permits, copy_differences
from hub.http.app import create_app
from hub.sla import Supervision
from hub.store import Store
from hub.sync import SyncEngine
from schema import build_schema
from schema.context import Context
from tests.asgi import GraphQLClient, StatementLog, as_trusted, running

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Store, Path]]:
    """The demo synced connector by connector, a data-check pass after each run (as the
    runtime wires it), as of the demo day."""
    from connectors.registry import build_connector

    path = build_demo(tmp_path_factory.mktemp("checks_demo"))
    config = load_config(path)
    store = Store(config.resolve_url(config.store.url))
    await store.migrate()
    checks = DataChecks(ChangeLog(store), config, business_day=lambda: AS_OF)
    engine = SyncEngine(store, config, after_run=checks.after_sync)
    for connector_config in config.connectors:
        connector = build_connector(connector_config, config)
        try:
            assert (await engine.sync(connector)).state == "succeeded"
        finally:
            await connector.close()
    yield store, path
    await store.dispose()


AS_OF = generate().as_of.date()
# The data-check plants and the certificate plants (hub.demo.signing), at the demo's scale.
EXPECTED = expected_findings(generate())


async def test_exactly_the_planted_violations_are_found(demo: tuple[Store, Path]) -> None:
    store, _ = demo
    t = tables.findings
    async with store.read() as conn:
        query = select(t.c.rule, func.count()).where(t.c.resolved_at.is_(None)).group_by(t.c.rule)
        open_findings = dict((await conn.execute(query)).all())
    assert open_findings == EXPECTED
    # Findings seen while only some sources had synced (filings of matters the platform's
    # catalogue had not brought yet) closed by themselves once the rest arrived; the log holds
    # one opening per finding and one closing per closed one.
    c = tables.changes
    async with store.read() as conn:
        closed = await conn.scalar(select(func.count()).where(t.c.resolved_at.is_not(None)))
        total = await conn.scalar(select(func.count()).select_from(t))
        events = (await conn.execute(select(c.c.old_value).where(c.c.op == "finding"))).all()
    opened_events = sum(1 for (old,) in events if old is None)
    assert (opened_events, len(events) - opened_events) == (total, closed)
    assert total == sum(EXPECTED.values()) + closed


DOC = Path(__file__).resolve().parents[3] / "docs" / "project-supervision.md"
DOC_TEXT = " ".join(DOC.read_text(encoding="utf-8").split())


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@asynccontextmanager
async def client(store: Store, path: Path) -> AsyncIterator[GraphQLClient]:
    """The real app on the demo's store and config (no scheduler)."""
    app = create_app(as_trusted(load_config(path)), store=store)  # the figures, not the roles
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield GraphQLClient(http)


async def test_the_documented_queries_show_the_documented_figures(
    demo: tuple[Store, Path],
) -> None:
    store, path = demo
    prerequisites, push, findings, conflicts, scores = doc_blocks("graphql")
    async with client(store, path) as gql:
        project = (await gql.data(prerequisites))["project"]
        (filing,) = project["filings"]["nodes"]
        assert filing["key"] == "XT-SB2011000188"
        assert filing["prerequisites"] == [
            {"matterCode": "RFB-001", "state": "MISSING", "issuedAt": None, "outcome": None}
        ]

        nodes = (await gql.data(push))["changes"]["nodes"]
        assert len(nodes) == 5 and {n["matterCode"] for n in nodes} <= {"GHJ-008", "ZJJ-001"}
        async with store.read() as conn:
            f = tables.filings
            permits = select(f.c.project_code).where(f.c.matter_code == "ZJJ-007")
            concerned = set((await conn.execute(permits)).scalars())
        assert {n["projectCode"] for n in nodes} <= concerned

        data = await gql.data(findings)
        assert len(data["qualityRules"]) == len(rules()) and all(
            r["enabled"] for r in data["qualityRules"]
        )
        t = tables.findings
        async with store.read() as conn:
            ghj = (
                await conn.execute(
                    select(t.c.rule).where(t.c.department_code == "GHJ", t.c.resolved_at.is_(None))
                )
            ).scalars()
            ghj_rules = list(ghj)
        assert data["findings"]["totalCount"] == len(ghj_rules)
        assert {n["rule"] for n in data["findings"]["nodes"]} == set(ghj_rules)
        total, of_ghj = map(int, re.findall(r"(\d+) findings, (\d+) of them GHJ's", DOC_TEXT)[0])
        assert (total, of_ghj) == (sum(EXPECTED.values()), len(ghj_rules))

        copies, wrong, on_status, on_time = map(
            int,
            re.findall(
                r"covers (\d+) permits and is wrong in (\d+) of them, which are \d+ open "
                r"conflicts: (\d+) on `status` \(IN_PROGRESS where GHJ approved\) and (\d+) on",
                DOC_TEXT,
            )[0],
        )
        planted = copy_differences(generate())
        assert copies == len(checked_permits(generate()))
        assert (wrong, on_status, on_time) == (
            len(planted),
            *(Counter(planted.values())[f] for f in ("status", "completed_at")),
        )
        listed = (await gql.data(conflicts))["conflicts"]
        assert listed["totalCount"] == wrong
        assert {(c["entityKey"], c["field"]) for c in listed["nodes"]} == set(planted.items())

        cards = {c["departmentCode"]: c for c in (await gql.data(scores))["qualityScores"]}
        assert len(cards) == 16
        ghj = cards["GHJ"]
        assert ghj["scores"]["consistency"] == pytest.approx(1000 * len(ghj_rules) / ghj["records"])
        assert all(0.85 < c["scores"]["timeliness"] <= 1 for c in cards.values())
        assert all(0.85 < c["scores"]["completeness"] <= 1 for c in cards.values())
        assert all(c["scores"]["freshnessHours"] < 1 for c in cards.values())

        # Findings are change events of the department responsible.
        events, after, more = [], 0, True
        while more:
            page = (
                await gql.data(
                    "query ($after: BigInt) { changes(filter: {ops: [FINDING], "
                    'departmentCodes: ["GHJ"]}, after: $after, first: 500) '
                    "{ nodes { key newValue oldValue } endSeq hasMore } }",
                    after=after,
                )
            )["changes"]
            events += page["nodes"]
            after, more = page["endSeq"], page["hasMore"]
        opened = Counter(n["key"] for n in events if n["oldValue"] is None)
        closed = Counter(n["key"] for n in events if n["newValue"] is None)
        listed = {n["key"] for n in data["findings"]["nodes"]}
        assert {k for k in opened if opened[k] > closed[k]} == listed

    checks, authority = doc_blocks("toml")
    settings = parse_config(tomllib.loads(checks))
    assert settings.checks.disabled == ["stale_source"]
    connectors = [c.model_dump() for c in load_config(path).connectors]
    configured = parse_config({**tomllib.loads(authority), "connectors": connectors})
    assert configured.authority_for("filing")["status"] == "department"


async def test_prerequisites_take_the_same_statements_for_a_larger_page(
    demo: tuple[Store, Path],
) -> None:
    store, _ = demo
    query = """
    query ($first: Int!) {
      projects(first: $first) {
        nodes {
          code
          nextMatters { code }
          waitingOn { filingKey requiredMatterCode state department { code } }
          filings(first: 20) { nodes { key prerequisites { state outcome { key } matter { code } } } }
        }
      }
    }
    """
    schema = build_schema()
    log = StatementLog()
    event.listen(store.engine.sync_engine, "before_cursor_execute", log)
    try:
        counts, found = [], []
        for first in (5, 60):
            context = Context.create(store, supervision=Supervision.standard(store))
            with log.recording():
                result = await schema.execute(
                    query, variable_values={"first": first}, context_value=context
                )
            assert result.errors is None, result.errors
            counts.append(len(log.selects))
            nodes = result.data["projects"]["nodes"]  # type: ignore[index]
            found.append(sum(len(f["prerequisites"]) for n in nodes for f in n["filings"]["nodes"]))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", log)
    assert counts[0] == counts[1], counts
    assert found[1] > found[0] > 0


async def test_an_as_of_day_in_the_future_is_an_error_naming_the_field(
    demo: tuple[Store, Path],
) -> None:
    store, path = demo
    async with client(store, path) as gql:
        (error,) = await gql.errors('{ qualityScores(asOf: "2099-01-01") { departmentCode } }')
        assert error["message"].startswith("qualityScores: asOf 2099-01-01 is in the future")
        assert error["extensions"]["code"] == "BAD_AS_OF"
        (error,) = await gql.errors(
            '{ project(code: "2010-440305-47-01-000007") '
            '{ nextMatters(asOf: "2099-01-01") { code } } }'
        )
        assert error["message"].startswith("Project.nextMatters: asOf 2099-01-01")
        (error,) = await gql.errors('{ findings(filter: {rules: ["nope"]}) { totalCount } }')
        assert "unknown rule 'nope'; known: " in error["message"]
        assert "duplicate_document_number" in error["message"]


async def test_findings_are_exported(demo: tuple[Store, Path]) -> None:
    store, path = demo
    async with client(store, path) as gql:
        response = await gql.http.get("/export/findings.csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
        assert len(rows) == sum(EXPECTED.values())
        assert set(rows[0]) >= {"rule", "entityKey", "departmentCode", "message", "details"}
        rule = json.dumps({"rules": ["duplicate_document_number"]})
        response = await gql.http.get("/export/findings.ndjson", params={"filter": rule})
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert len(lines) == EXPECTED["duplicate_document_number"]
        assert {line["rule"] for line in lines} == {"duplicate_document_number"}
        response = await gql.http.get(
            "/export/findings.csv", params={"filter": json.dumps({"rules": ["nope"]})}
        )
        assert response.status_code == 400
        assert "unknown rule 'nope'" in response.json()["errors"][0]["message"]
