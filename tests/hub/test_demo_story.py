"""The demo tells the seed's story (issue 10), read from the synced store as of the demo day:
32 open filings overdue in 承办 at five departments, 财政委 and 住建局 the slowest in 补齐补正,
supplements after acceptance, a few special procedures, and the reform's shorter lead times to
the construction permit. The clock is ``hub.sla``'s; the lead times and a sample of clocks are
recomputed here with plain SQL and ``chinese_calendar``, not with hub code."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import mean
from typing import Any

import pytest
from sqlalchemy import select, text

from hub import tables
from hub.calendar import standard_calendar
from hub.sla import FilingClock, SlaState, Supervision
from hub.store import Store
from schema import build_schema
from schema.context import Context
from tests.demo_support import SyncedDemo
from tests.docs_examples import section_examples
from tests.hub.test_sla import working

pytestmark = pytest.mark.anyio

DEMO_DAY = date(2014, 12, 31)
OVERDUE_DEPARTMENTS = {"GHJ", "RJW", "ZJJ", "SWJ", "QXJ"}
# The slowness in 补齐补正 of a matter: the mean of the clock's suspended working days over its
# filings on the clock (accepted by the demo day), among matters with at least this many.
MIN_FILINGS = 5
CHINA = timedelta(hours=8)


def china_day(moment: datetime) -> date:
    """The China-time day of a stored (naive UTC) datetime."""
    return (moment + CHINA).date()


async def filing_keys(store: Store, sql: str) -> set[str]:
    """The filing keys a query's first column returns."""
    async with store.read() as conn:
        return {row[0] for row in await conn.execute(text(sql))}


@pytest.fixture(scope="module")
def demo_store(synced_demo: SyncedDemo) -> Store:
    return synced_demo.store


@pytest.fixture(scope="module")
async def clocks(demo_store: Store) -> dict[str, Any]:
    """Every filing's clock as of the demo day, with its department and matter."""
    clock = FilingClock(demo_store, standard_calendar())
    f = tables.filings
    async with demo_store.read() as conn:
        table = clock.table(DEMO_DAY)
        rows = await conn.execute(
            select(table, f.c.department_code, f.c.matter_code).select_from(
                table.join(f, f.c.key == table.c.key)
            )
        )
        return {row.key: row for row in rows}


async def test_exactly_32_open_filings_are_overdue_in_handle_at_five_departments(
    clocks: dict[str, Any],
) -> None:
    overdue = [row for row in clocks.values() if row.state == SlaState.OVERDUE.value]
    assert len(overdue) == 32
    assert {row.current_step for row in overdue} == {"HANDLE"}
    assert {row.department_code for row in overdue} == OVERDUE_DEPARTMENTS
    assert all(row.elapsed - row.suspended >= row.limit_days + 2 for row in overdue)
    # The clock judges every filing but the two planted out of order for the data checks.
    unknown = sorted(row.reason for row in clocks.values() if row.state == SlaState.UNKNOWN.value)
    assert unknown == [
        "completed before it was accepted",
        "events out of order: a suspension ends before it starts",
    ]


async def test_the_six_slowest_matters_in_supplements_are_czw_and_zjj(
    clocks: dict[str, Any],
) -> None:
    suspended: dict[str, list[int]] = defaultdict(list)
    departments: dict[str, str] = {}
    for row in clocks.values():
        if row.suspended is not None:
            suspended[row.matter_code].append(int(row.suspended))
            departments[row.matter_code] = row.department_code
    slowness = {m: mean(days) for m, days in suspended.items() if len(days) >= MIN_FILINGS}
    ranked = sorted(slowness, key=lambda m: slowness[m], reverse=True)
    assert {departments[m] for m in ranked[:6]} == {"CZW", "ZJJ"}
    assert slowness[ranked[5]] > 2 * slowness[ranked[6]]


async def test_supplements_come_after_acceptance_too_and_stop_the_clock(
    demo_store: Store, clocks: dict[str, Any]
) -> None:
    keys = await filing_keys(
        demo_store,
        "SELECT f.key FROM filings f JOIN process_events e ON e.filing_key = f.key"
        " WHERE e.step = 'SUPPLEMENT_REQUESTED' AND e.occurred_at > f.accepted_at",
    )
    assert len(keys) >= 500
    stopped = [k for k in keys if (clocks[k].suspended or 0) > 0]
    assert len(stopped) >= 500
    waiting = [k for k in keys if clocks[k].state == SlaState.SUSPENDED.value]
    assert len(waiting) >= 20


async def test_a_few_filings_go_through_a_special_procedure_which_stops_the_clock(
    demo_store: Store, clocks: dict[str, Any]
) -> None:
    events = "SELECT filing_key FROM process_events WHERE step = "
    started = await filing_keys(demo_store, events + "'SPECIAL_PROCEDURE_STARTED'")
    ended = await filing_keys(demo_store, events + "'SPECIAL_PROCEDURE_ENDED'")
    assert 5 <= len(started) <= 12 and ended < started
    for key in started:
        row = clocks[key]
        if key in ended:
            assert row.suspended > 0 and row.state.startswith("COMPLETED")
        else:
            assert row.state == SlaState.SUSPENDED.value
    assert {clocks[k].department_code for k in started} <= {"GHJ", "RJW"}


async def lead_times_by_cohort(store: Store) -> dict[tuple[str, str], list[int]]:
    """Working days from each project's earliest land-planning submission to its earliest
    approved construction permit, by (cohort, category): registered 2010-2011 ("before" the
    reform) or later ("after")."""
    p, f, m = tables.projects, tables.filings, tables.matters
    query = select(
        p.c.code,
        p.c.category,
        p.c.registered_at,
        m.c.stage,
        f.c.status,
        f.c.submitted_at,
        f.c.completed_at,
    ).select_from(p.join(f, f.c.project_code == p.c.code).join(m, m.c.code == f.c.matter_code))
    async with store.read() as conn:
        rows = (await conn.execute(query)).all()
    projects: dict[str, dict[str, Any]] = {}
    for code, category, registered, stage, status, submitted, completed in rows:
        project = projects.setdefault(
            code,
            {"category": category, "year": china_day(registered).year, "land": [], "permit": []},
        )
        if stage == "LAND_PLANNING":
            project["land"].append(submitted)
        elif stage == "CONSTRUCTION_PERMIT" and status == "APPROVED":
            project["permit"].append(completed)
    leads: dict[tuple[str, str], list[int]] = defaultdict(list)
    for project in projects.values():
        if not project["land"] or not project["permit"] or project["year"] < 2010:
            continue
        cohort = "before" if project["year"] <= 2011 else "after"
        lead = working(china_day(min(project["land"])), china_day(min(project["permit"])))
        leads[(cohort, project["category"])].append(lead)
    return leads


async def test_the_reform_shortened_the_way_to_the_construction_permit(demo_store: Store) -> None:
    leads = await lead_times_by_cohort(demo_store)
    for category, expected in (("BUILDING", 518), ("MUNICIPAL", 473)):
        before, after = leads[("before", category)], leads[("after", category)]
        assert len(before) >= 30 and len(after) >= 30
        assert abs(mean(before) - expected) <= 0.05 * expected, (category, mean(before))
        assert mean(after) <= 0.7 * mean(before), (category, mean(after))


async def test_a_sample_of_clocks_recomputed_from_the_events_agrees(
    demo_store: Store, clocks: dict[str, Any]
) -> None:
    end_of_day = datetime(2015, 1, 1) - CHINA
    async with demo_store.read() as conn:
        f, e = tables.filings, tables.process_events
        query = select(f.c.key, f.c.time_limit_days, f.c.accepted_at, f.c.completed_at)
        filings = (await conn.execute(query.order_by(f.c.key))).all()
        # The two filings planted out of order are UNKNOWN to the clock (tested above).
        interesting = {
            k
            for k, row in clocks.items()
            if row.state not in (SlaState.COMPLETED_ON_TIME.value, SlaState.UNKNOWN.value)
        }
        judged = {k for k, row in clocks.items() if row.state != SlaState.UNKNOWN.value}
        sample = [
            f
            for n, f in enumerate(filings)
            if (n % 25 == 0 or f.key in interesting) and f.key in judged
        ]
        events: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
        query = select(e.c.filing_key, e.c.occurred_at, e.c.step, e.c.key)
        for key, occurred, step, event_key in await conn.execute(query):
            events[key].append((occurred, event_key, step))
    assert len(sample) >= 300
    states: dict[str, int] = defaultdict(int)
    for filing in sample:
        expected = _reference_clock(filing, sorted(events[filing.key]), end_of_day)
        row = clocks[filing.key]
        found = (row.state, row.elapsed, row.suspended, row.current_step)
        assert found == expected, filing.key
        states[row.state] += 1
    assert {s for s, n in states.items() if n} >= {
        "OVERDUE",
        "SUSPENDED",
        "RUNNING",
        "NOT_ACCEPTED",
        "COMPLETED_ON_TIME",
        "COMPLETED_LATE",
    }


def _reference_clock(
    filing: Any, events: list[tuple[datetime, str, str]], end_of_day: datetime
) -> tuple[str, int | None, int | None, str | None]:
    """The state, elapsed and suspended working days and current step as of the demo day, by
    the rule in hub.sla's docstring."""
    events = [e for e in events if e[0] < end_of_day]
    step = events[-1][2] if events else None
    accepted = (
        filing.accepted_at if filing.accepted_at and filing.accepted_at < end_of_day else None
    )
    completed = (
        filing.completed_at if filing.completed_at and filing.completed_at < end_of_day else None
    )
    if accepted is None:
        return "NOT_ACCEPTED", None, None, step
    end = china_day(completed) if completed else DEMO_DAY
    elapsed = working(china_day(accepted), end)
    suspended, still_open = 0, False
    pairs = {
        "SUPPLEMENT_REQUESTED": "SUPPLEMENT_RECEIVED",
        "SPECIAL_PROCEDURE_STARTED": "SPECIAL_PROCEDURE_ENDED",
    }
    for number, (opened, _, opening) in enumerate(events):
        if opening not in pairs:
            continue
        closed = next((e[0] for e in events[number:] if e[2] == pairs[opening]), None)
        still_open |= closed is None
        start = max(china_day(opened), china_day(accepted))
        stop = min(china_day(closed), end) if closed else end
        suspended += max(0, working(start, stop))
    net, limit = elapsed - suspended, filing.time_limit_days
    if completed is not None:
        state = "COMPLETED_ON_TIME" if net <= limit else "COMPLETED_LATE"
    elif still_open:
        state = "SUSPENDED"
    elif net > limit:
        state = "OVERDUE"
    elif limit - net <= max(1, 0.2 * limit):
        state = "DUE_SOON"
    else:
        state = "RUNNING"
    return state, elapsed, suspended, step


async def test_the_readme_supervision_queries_answer_the_seed_figures(demo_store: Store) -> None:
    """The README's queries, run through the schema on the demo, give the figures it quotes."""
    by_department, board, matters, totals = section_examples(
        "docs/supervision.md", "The seed's questions", "graphql"
    )
    schema = build_schema()
    supervision = Supervision(FilingClock(demo_store, standard_calendar()), DEMO_DAY)

    async def run(query: str) -> Any:
        context = Context.create(demo_store, supervision=supervision)
        result = await schema.execute(query, context_value=context)
        assert result.errors is None, result.errors
        return result.data

    rows = (await run(by_department))["filingStats"]
    assert {row["departmentCode"]: row["overdue"] for row in rows} == {
        "GHJ": 13,
        "ZJJ": 8,
        "SWJ": 7,
        "RJW": 2,
        "QXJ": 2,
    }
    assert {row["currentStep"] for row in rows} == {"HANDLE"}
    listed = (await run(board))["filings"]
    assert listed["totalCount"] == 32 + 82
    assert {node["sla"]["state"] for node in listed["nodes"]} <= {"OVERDUE", "DUE_SOON"}
    slowest = sorted(
        (await run(matters))["filingStats"],
        key=lambda row: row["avgSuspendedDays"] or 0,
        reverse=True,
    )[:6]
    assert {row["matterCode"].split("-")[0] for row in slowest} == {"CZW", "ZJJ"}
    (total,) = (await run(totals))["filingStats"]
    assert (total["count"], total["overdue"], total["dueSoon"], total["running"]) == (
        7556,
        32,
        82,
        344,
    )
    # unknown: the two filings planted out of order for the data checks (hub.demo.planted).
    assert (total["suspended"], total["notAccepted"], total["unknown"]) == (66, 184, 2)
    assert (total["completedOnTime"], total["completedLate"]) == (6500, 346)


async def test_the_readme_lead_time_query_shows_the_reform(demo_store: Store) -> None:
    steps, lead_times = section_examples(
        "docs/supervision.md", "Where the working days go", "graphql"
    )
    schema = build_schema()
    context = Context.create(demo_store)
    assert (await schema.execute(steps, context_value=context)).errors is None
    result = await schema.execute(lead_times, context_value=Context.create(demo_store))
    assert result.errors is None, result.errors
    cohorts: dict[tuple[str, bool], list[tuple[int, float]]] = defaultdict(list)
    for row in result.data["leadTimeStats"]:
        if row["category"] in ("BUILDING", "MUNICIPAL"):
            early = row["year"] in (2010, 2011)
            cohorts[(row["category"], early)].append((row["count"], row["avgWorkingDays"]))

    def average(key: tuple[str, bool]) -> float:
        groups = cohorts[key]
        return sum(n * avg for n, avg in groups) / sum(n for n, _ in groups)

    assert abs(average(("BUILDING", True)) - 518) <= 518 * 0.05
    assert abs(average(("MUNICIPAL", True)) - 473) <= 473 * 0.05
    for category in ("BUILDING", "MUNICIPAL"):
        assert average((category, False)) <= 0.7 * average((category, True))
