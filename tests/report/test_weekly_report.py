"""The weekly report of the demo's last full week (2014-W52) tells the numbers the GraphQL
queries tell for that week and the one before, in every format, from the CLI, the GraphQL
field, the report job and ``/reports``; bad weeks and formats get a clear message."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shlex
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from hub.auth import create_token
from hub.cli import app as cli
from hub.config import HubConfig, ReportsConfig, load_config
from hub.runtime import open_runtime
from hub.store import Store
from hub.weeks import IsoWeek
from jobs.reports import ReportJobs
from tests.asgi import GraphQLClient, as_trusted, running
from tests.demo_support import SyncedDemo

DOC = Path(__file__).resolve().parents[2] / "docs" / "report-and-console.md"
WEEK = IsoWeek.parse("2014-W52")
PREVIOUS = WEEK.previous

REPORT = """
query Report($week: String!) {
  weeklyReport(week: $week) {
    week asOf previousWeek
    sections {
      key title available note
      figures { key label value previous change }
      tables { key title columns { key label compared } rows }
    }
  }
}
"""


def window(week: IsoWeek) -> dict[str, str]:
    return {"gte": week.starts().isoformat(), "lt": week.ends().isoformat()}


def until(week: IsoWeek) -> dict[str, str]:
    return {"lt": week.ends().isoformat()}


def days(week: IsoWeek) -> dict[str, str]:
    """The week's China days, for a Date field (a project's registration day)."""
    return {"gte": week.monday.isoformat(), "lte": week.sunday.isoformat()}


class Demo:
    def __init__(self, config: HubConfig, store: Store, http: httpx.AsyncClient) -> None:
        self.config = config
        self.store = store
        self.http = http
        self.graphql = GraphQLClient(http)


@pytest.fixture(scope="module")
async def demo(
    synced_demo: SyncedDemo, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Demo]:
    loaded = load_config(synced_demo.config_path)
    reports = ReportsConfig(directory=str(tmp_path_factory.mktemp("reports")))
    # The report's figures are the tests' subject: callers read as the trusted role.
    config = as_trusted(loaded.model_copy(update={"reports": reports}))
    store = Store(config.resolve_url(config.store.url))
    from hub.http.app import create_app

    application = create_app(config, store=store)
    async with running(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield Demo(config, store, http)
    await store.dispose()


@pytest.fixture(scope="module")
async def report(demo: Demo) -> dict[str, Any]:
    data = await demo.graphql.data(REPORT, week=str(WEEK))
    return data["weeklyReport"]


def section(report: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in report["sections"] if s["key"] == key)


def figures(report: dict[str, Any], key: str) -> dict[str, tuple[Any, Any]]:
    return {f["key"]: (f["value"], f["previous"]) for f in section(report, key)["figures"]}


def table(report: dict[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    return next(t for t in section(report, key)["tables"] if t["key"] == name)["rows"]


@pytest.mark.anyio
async def test_registrations_acceptances_and_completions_are_what_the_stats_queries_count(
    demo: Demo, report: dict[str, Any]
) -> None:
    async def counts(week: IsoWeek, as_of: str) -> dict[str, Any]:
        data = await demo.graphql.data(
            """
            query Activity(
              $window: DateTimeFilter!, $until: DateTimeFilter!, $days: DateFilter!,
              $daysUntil: DateFilter!, $day: Date!
            ) {
              registered: projectStats(groupBy: [], filter: {registeredAt: $days}) { count }
              projects: projectStats(groupBy: [], filter: {registeredAt: $daysUntil}) { count }
              accepted: filingStats(groupBy: [DEPARTMENT], filter: {acceptedAt: $window},
                                    asOf: $day) { departmentCode count }
              completed: filingStats(groupBy: [DEPARTMENT], filter: {completedAt: $window},
                                     asOf: $day) { departmentCode count }
              acceptedTotal: filingStats(groupBy: [], filter: {acceptedAt: $until}, asOf: $day) {
                count
              }
              completedTotal: filingStats(groupBy: [], filter: {completedAt: $until},
                                          asOf: $day) { count }
            }
            """,
            window=window(week),
            until=until(week),
            days=days(week),
            daysUntil={"lte": week.sunday.isoformat()},
            day=as_of,
        )
        return data

    now = await counts(WEEK, "2014-12-28")
    before = await counts(PREVIOUS, "2014-12-21")
    expected = {
        "registered": (now["registered"][0]["count"], before["registered"][0]["count"]),
        "projects": (now["projects"][0]["count"], before["projects"][0]["count"]),
        "accepted": (
            sum(r["count"] for r in now["accepted"]),
            sum(r["count"] for r in before["accepted"]),
        ),
        "accepted_total": (now["acceptedTotal"][0]["count"], before["acceptedTotal"][0]["count"]),
        "completed": (
            sum(r["count"] for r in now["completed"]),
            sum(r["count"] for r in before["completed"]),
        ),
        "completed_total": (
            now["completedTotal"][0]["count"],
            before["completedTotal"][0]["count"],
        ),
    }
    assert figures(report, "activity") == expected
    assert expected["accepted"][0] > 0 and expected["completed"][1] > 0  # a week with work
    rows = {r["department_code"]: r for r in table(report, "activity", "by_department")}
    assert {code: r["accepted"] for code, r in rows.items() if r["accepted"]} == {
        r["departmentCode"]: r["count"] for r in now["accepted"]
    }
    assert {
        code: r["completed_previous"] for code, r in rows.items() if r["completed_previous"]
    } == {r["departmentCode"]: r["count"] for r in before["completed"]}
    assert report["asOf"] == "2014-12-28" and report["previousWeek"] == "2014-W51"


@pytest.mark.anyio
async def test_overdue_and_due_soon_by_department_and_step_and_the_list_to_chase(
    demo: Demo, report: dict[str, Any]
) -> None:
    query = """
    query Clocks($day: Date!) {
      filingStats(groupBy: [DEPARTMENT, CURRENT_STEP], asOf: $day) {
        departmentCode currentStep overdue dueSoon suspended
      }
      filings(first: 500, filter: {sla: {asOf: $day, state: {eq: OVERDUE}}}) {
        nodes { key sla(asOf: $day) { remainingWorkingDays dueOn } }
      }
    }
    """
    now = await demo.graphql.data(query, day="2014-12-28")
    before = await demo.graphql.data(query, day="2014-12-21")

    def grid(data: dict[str, Any], measure: str) -> dict[tuple[Any, Any], int]:
        return {
            (r["departmentCode"], r["currentStep"]): r[measure]
            for r in data["filingStats"]
            if r[measure]
        }

    rows = table(report, "time_limits", "by_department_and_step")
    for measure, name in (("overdue", "overdue"), ("dueSoon", "due_soon")):
        assert {(r["department_code"], r["step"]): r[name] for r in rows if r[name]} == grid(
            now, measure
        )
        assert {
            (r["department_code"], r["step"]): r[f"{name}_previous"]
            for r in rows
            if r[f"{name}_previous"]
        } == grid(before, measure)
    totals = figures(report, "time_limits")
    for name, measure in (
        ("overdue", "overdue"),
        ("due_soon", "dueSoon"),
        ("suspended", "suspended"),
    ):
        assert totals[name] == (
            sum(r[measure] for r in now["filingStats"]),
            sum(r[measure] for r in before["filingStats"]),
        )
    assert totals["overdue"][0] > 0
    chased = table(report, "time_limits", "overdue_filings")
    listed = {n["key"]: n["sla"] for n in now["filings"]["nodes"]}
    assert [r["key"] for r in chased] == sorted(
        listed, key=lambda key: (listed[key]["remainingWorkingDays"], key)
    )
    assert all(r["over_by"] == -listed[r["key"]]["remainingWorkingDays"] > 0 for r in chased)
    assert all(r["due_on"] == listed[r["key"]]["dueOn"] for r in chased)


@pytest.mark.anyio
async def test_the_slowest_matters_in_supplement_are_what_step_stats_measure(
    demo: Demo, report: dict[str, Any]
) -> None:
    data = await demo.graphql.data(
        """
        query Steps($until: DateTimeFilter!) {
          stepStats(groupBy: [MATTER, STEP], filter: {acceptedAt: $until}) {
            matterCode step count avgWorkingDays medianWorkingDays p90WorkingDays maxWorkingDays
          }
        }
        """,
        until=until(WEEK),
    )
    waits = [r for r in data["stepStats"] if r["step"] == "SUPPLEMENT_REQUESTED"]
    slowest = sorted(waits, key=lambda r: (-r["avgWorkingDays"], r["matterCode"]))[:10]
    rows = table(report, "supplements", "slowest_matters")
    assert [
        (r["matter_code"], r["count"], r["avg_working_days"], r["p90_working_days"]) for r in rows
    ] == [(r["matterCode"], r["count"], r["avgWorkingDays"], r["p90WorkingDays"]) for r in slowest]
    assert figures(report, "supplements")["requests"][0] == sum(r["count"] for r in waits)
    # The demo's story (tests/hub/test_demo_story.py): 财政委 and 住建局 wait the longest.
    assert {rows[0]["department"], rows[1]["department"]} == {"财政委", "住建局"}


@pytest.mark.anyio
async def test_departments_are_ranked_by_what_filing_stats_counts_for_each(
    demo: Demo, report: dict[str, Any]
) -> None:
    data = await demo.graphql.data(
        """
        query { filingStats(groupBy: [DEPARTMENT], asOf: "2014-12-28") {
          departmentCode overdue dueSoon completedOnTime completedLate } }
        """
    )
    expected = {r["departmentCode"]: r for r in data["filingStats"]}
    ranked = table(report, "ranking", "departments")
    assert [r["rank"] for r in ranked] == list(range(1, len(expected) + 1))
    for row in ranked:
        counts = expected[row["department_code"]]
        done = counts["completedOnTime"] + counts["completedLate"]
        assert (row["overdue"], row["due_soon"], row["completed"]) == (
            counts["overdue"],
            counts["dueSoon"],
            done,
        )
    keys = [(-r["overdue"], -r["due_soon"], -(r["late_share"] or 0)) for r in ranked]
    assert keys == sorted(keys)
    assert all(r["rank_previous"] is not None for r in ranked)


@pytest.mark.anyio
async def test_idle_projects_by_cause_are_what_idle_stats_counts(
    demo: Demo, report: dict[str, Any]
) -> None:
    query = """
    query Idle($day: Date!) {
      idleStats(groupBy: [CAUSE], asOf: $day) { cause { code } count annotated share }
    }
    """
    now = (await demo.graphql.data(query, day="2014-12-28"))["idleStats"]
    before = (await demo.graphql.data(query, day="2014-12-21"))["idleStats"]
    rows = {r["cause_code"]: r for r in table(report, "idle", "by_cause")}
    assert {c: (r["count"], r["annotated"], r["share"]) for c, r in rows.items() if r["count"]} == {
        r["cause"]["code"]: (r["count"], r["annotated"], r["share"]) for r in now
    }
    assert {c: r["count_previous"] for c, r in rows.items() if r["count_previous"]} == {
        r["cause"]["code"]: r["count"] for r in before
    }
    assert figures(report, "idle")["idle"] == (
        sum(r["count"] for r in now),
        sum(r["count"] for r in before),
    )
    assert figures(report, "idle")["idle"][0] > 200  # the seed's 200+ idle projects


FINDINGS = """
query Findings($filter: FindingFilter!, $after: String) {
  findings(filter: $filter, first: 500, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { departmentCode rule }
  }
}
"""
AUTHENTICITY_RULES = [
    "area_chain_mismatch",
    "certificate_not_authentic",
    "duplicate_document_number",
    "holder_mismatch",
]


async def found(demo: Demo, **given: Any) -> list[dict[str, Any]]:
    """Every finding ``findings(filter: given)`` lists, page after page."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await demo.graphql.data(FINDINGS, filter=given, after=after))["findings"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def counted(nodes: list[dict[str, Any]], field: str) -> dict[Any, int]:
    totals: dict[Any, int] = {}
    for node in nodes:
        totals[node[field]] = totals.get(node[field], 0) + 1
    return totals


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["findings", "authenticity"])
async def test_findings_new_closed_and_open_are_what_the_findings_query_lists(
    demo: Demo, report: dict[str, Any], key: str
) -> None:
    """The demo was checked when it was synced (today), after 2014-W52: nothing was new or
    closed in the week, and the open findings shown are today's, which the note says."""
    known = (await demo.graphql.data("{ qualityRules { name } }"))["qualityRules"]
    rules = [r["name"] for r in known if (r["name"] in AUTHENTICITY_RULES) == (key != "findings")]
    for week in (WEEK, PREVIOUS):
        for field in ("firstSeen", "resolvedAt"):
            assert await found(demo, rules=rules, open=None, **{field: window(week)}) == []
    now = await found(demo, rules=rules)  # open: true, the default
    assert now, "the demo plants findings of every family"
    assert figures(report, key) == {"new": (0, 0), "closed": (0, 0), "open": (len(now), None)}
    note = section(report, key)["note"]
    assert "after this week" in note and "findings open now" in note
    rows = table(report, key, "by_department")
    assert {r["department_code"]: r["open"] for r in rows} == counted(now, "departmentCode")
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["open"] for r in rows] == sorted((r["open"] for r in rows), reverse=True)
    by_rule = table(report, key, "by_rule")
    assert {r["rule"]: r["open"] for r in by_rule} == counted(now, "rule")


@pytest.mark.anyio
async def test_quality_scores_by_department_are_what_quality_scores_returns(
    demo: Demo, report: dict[str, Any]
) -> None:
    data = await demo.graphql.data(
        """
        query { qualityScores(asOf: "2014-12-28") {
          departmentCode records
          scores { timeliness completeness consistency freshnessHours }
          weekBefore { timeliness completeness consistency }
          trend { timeliness completeness consistency }
        } }
        """
    )
    expected = {r["departmentCode"]: r for r in data["qualityScores"]}
    rows = table(report, "quality", "by_department")
    assert {r["department_code"] for r in rows} == set(expected)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))

    def shown(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    for row in rows:
        card = expected[row["department_code"]]
        assert row["records"] == card["records"]
        for name, field in (
            ("timeliness", "timeliness"),
            ("completeness", "completeness"),
            ("consistency", "consistency"),
        ):
            assert row[name] == shown(card["scores"][field]), (row["department"], name)
            assert row[f"{name}_previous"] == shown(card["weekBefore"][field])
            assert row[f"{name}_trend"] == shown(card["trend"][field])
        hours = card["scores"]["freshnessHours"]  # read a moment apart: hours since the sync
        assert (row["freshness_hours"] is None) == (hours is None)
        assert hours is None or abs(row["freshness_hours"] - hours) <= 0.1
    timely = [r["timeliness"] for r in rows if r["timeliness"] is not None]
    assert timely == sorted(timely) and len(timely) > 1  # the least on time first
    known = [c["scores"]["timeliness"] for c in expected.values()]
    mean = sum(v for v in known if v is not None) / len([v for v in known if v is not None])
    assert figures(report, "quality")["timeliness"][0] == round(mean, 3)


@pytest.mark.anyio
async def test_every_section_is_available(report: dict[str, Any]) -> None:
    assert all(s["available"] for s in report["sections"])
    assert [s["key"] for s in report["sections"]] == [
        "activity",
        "time_limits",
        "supplements",
        "idle",
        "findings",
        "authenticity",
        "quality",
        "sync",
        "ranking",
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("week", "code", "says"),
    [
        ("2014-52", "BAD_WEEK", "not of the form YYYY-Www"),
        ("2014-W53", "BAD_WEEK", "2014 has weeks 01 to 52"),
        ("2015-W02", "FUTURE_WEEK", "after the business day 2014-12-31"),
    ],
)
async def test_a_bad_or_future_week_is_a_clear_graphql_error(
    demo: Demo, week: str, code: str, says: str
) -> None:
    (error,) = await demo.graphql.errors(
        "query($w: String!) { weeklyReport(week: $w) { week } }", w=week
    )
    assert error["extensions"]["code"] == code
    assert says in error["message"]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def moment_free(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the hours since the last sync, which two reports read moments apart."""
    return [{k: v for k, v in row.items() if not k.startswith("freshness_hours")} for row in rows]


def test_the_docs_commands_print_the_report_graphql_returns_and_refuse_bad_input(
    synced_demo: SyncedDemo, report: dict[str, Any], tmp_path: Path
) -> None:
    """The shell examples of docs/report-and-console.md, run on the demo: the first block's
    command succeeds (its JSON is the GraphQL report), the second's exit with 2."""
    runner = CliRunner()
    good, bad = blocks("shell")

    def run(line: str) -> Any:
        args = shlex.split(line.replace("demo/hub.toml", str(synced_demo.config_path)))
        assert args[0] == "hub"
        args = [str(tmp_path / a) if a == "w52.json" else a for a in args[1:]]
        return runner.invoke(cli, args)

    (line,) = good.strip().splitlines()
    done = run(line)
    assert done.exit_code == 0, done.output
    printed = json.loads((tmp_path / "w52.json").read_text(encoding="utf-8"))
    assert printed["week"] == report["week"] and printed["asOf"] == report["asOf"]
    for mine, theirs in zip(printed["sections"], report["sections"], strict=True):
        assert mine["key"] == theirs["key"] and mine["figures"] == theirs["figures"]
        assert [moment_free(t["rows"]) for t in mine["tables"]] == [
            moment_free(t["rows"]) for t in theirs["tables"]
        ]
    kept = synced_demo.config_path.parent / "reports" / "weekly"  # --keep: every format
    assert sorted(p.name for p in kept.iterdir()) == [
        f"2014-W52.{f}" for f in ("csv", "html", "json", "md")
    ]
    assert (kept / "2014-W52.md").read_text(encoding="utf-8").startswith("# Weekly supervision")
    says = ["2014 has weeks 01 to 52", "unknown report format 'pdf'; known: csv, html, json, md"]
    for line, message in zip(bad.strip().splitlines(), says, strict=True):
        refused = run(line)
        assert refused.exit_code == 2, refused.output
        assert message in refused.output and "Traceback" not in refused.output
    future = runner.invoke(
        cli, ["report", "weekly", "--week", "2016-W01", "-c", str(synced_demo.config_path)]
    )
    assert future.exit_code == 2 and "after the business day 2014-12-31" in future.output


@pytest.mark.anyio
async def test_the_job_keeps_every_format_and_reports_serves_them(
    demo: Demo, report: dict[str, Any]
) -> None:
    kept = Path(demo.config.reports.directory or "") / "weekly" / "2014-W52.html"
    async with open_runtime(demo.config, demo.store, serve_feed=False) as runtime:
        # Scheduled, the job runs once at start: the week that ended is kept.
        async with ReportJobs(runtime) as job:
            assert job.scheduler.get_job("weekly-report").trigger.fields[4].name == "day_of_week"
            for _ in range(600):
                if job.archive.has(WEEK) and not job.runs.tasks:
                    break
                await asyncio.sleep(0.05)
            assert await job.run() is None  # kept already: not built again
    html = kept.read_text(encoding="utf-8")
    assert html.count("<svg") == 6 and 'class="unavailable"' not in html
    assert 'data-note="findings"' in html and 'data-note="authenticity"' in html
    assert "@page { size: A4" in html and "http" not in re.sub(
        r'xmlns(:\w+)?="[^"]+"', "", html.split("<body>")[0]
    )
    overdue = figures(report, "time_limits")["overdue"][0]
    assert f'data-figure="time_limits.overdue">\n    <div class="value">{overdue:g} ' in html
    rows = list(csv.reader(io.StringIO(kept.with_suffix(".csv").read_text(encoding="utf-8"))))
    assert [
        "time_limits",
        "figures",
        "overdue",
        "Open filings overdue (红灯)",
        str(int(overdue)),
    ] == rows[[r[:3] for r in rows].index(["time_limits", "figures", "overdue"])][:5]
    assert "| Open filings overdue (红灯) |" in kept.with_suffix(".md").read_text(encoding="utf-8")

    token = await create_token(demo.store, "report-reader", scopes=["read"])
    bearer = {"Authorization": f"Bearer {token}"}
    served = await demo.http.get("/reports/weekly/2014-W52.json", headers=bearer)
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    assert served.json() == json.loads(kept.with_suffix(".json").read_text(encoding="utf-8"))
    for path, status, says in (
        ("/reports/weekly/2014-W52.pdf", 404, "unknown report format"),
        ("/reports/weekly/2014-W99.html", 400, "2014 has weeks 01 to 52"),
        ("/reports/weekly/2031-W01.html", 404, "after the business day"),
    ):
        answer = await demo.http.get(path, headers=bearer)
        assert answer.status_code == status and says in answer.text, (path, answer.text)
    anonymous = await demo.http.get("/reports/weekly/2014-W52.html")
    assert anonymous.status_code == 401 and "Sign in" in anonymous.text
