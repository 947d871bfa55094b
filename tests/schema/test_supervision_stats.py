"""``stepStats`` and ``leadTimeStats`` on SQLite and PostgreSQL, against references computed here
from the inserted rows with ``chinese_calendar`` (``tests.hub.test_sla.working``) and a plain
nearest-rank percentile; and the demo's pre-reform lead times, as its story test counts them."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from statistics import mean
from typing import Any

import pytest
from sqlalchemy import distinct, func, select, true

from hub import tables
from hub.calendar import standard_calendar
from hub.entities import EventStep, FilingStatus, Stage
from hub.sla import Supervision
from hub.store import Store
from schema.filters import FilingFilter, FilterScope, ProjectFilter, condition
from schema.operators import FilingStatusFilter, StageFilter
from schema.supervision_stats import lead_time_stats, project_lead_time, step_stats
from schema.types.lead_time import LeadTimeGroup
from schema.types.step_stats import StepGroup
from tests.asgi import StatementLog
from tests.hub.test_demo_story import demo_store, lead_times_by_cohort
from tests.hub.test_sla import utc, working

pytestmark = pytest.mark.anyio
NOW = datetime(2015, 1, 1)
CALENDAR = standard_calendar()
__all__ = ["demo_store"]  # the demo story's module fixture, built once for this module too


def provenance(key: str, deleted: bool = False) -> dict[str, Any]:
    return {
        "src_connector": "test",
        "src_key": key,
        "synced_at": NOW,
        "deleted_at": NOW if deleted else None,
    }


def nearest_rank(values: Sequence[int], q: float) -> int:
    """The value at rank ceil(q·n) of the sorted values (ranks from 1)."""
    return sorted(values)[math.ceil(q * len(values)) - 1]


def summary(values: Sequence[int]) -> tuple[int, float, int, int, int]:
    return (
        len(values),
        round(mean(values), 2),
        nearest_rank(values, 0.5),
        nearest_rank(values, 0.9),
        max(values),
    )


def measures(row: Any) -> tuple[int, float | None, int | None, int | None, int | None]:
    return (
        row.count,
        row.avg_working_days,
        row.median_working_days,
        row.p90_working_days,
        row.max_working_days,
    )


async def insert(store: Store, table: Any, rows: list[dict[str, Any]]) -> None:
    async with store.write() as conn:
        await conn.execute(table.insert(), rows)


MATTERS = [
    ("M-LAND", "GHJ", Stage.LAND_PLANNING),
    ("M-PERMIT", "ZJJ", Stage.CONSTRUCTION_PERMIT),
]


async def add_matters(store: Store) -> None:
    await insert(
        store,
        tables.matters,
        [
            {"code": code, "name": code, "department_code": dept, "stage": stage.value}
            | provenance(code)
            for code, dept, stage in MATTERS
        ],
    )


# A filing's events: (key suffix, step, division, China-time day, hour).
Event = tuple[str, EventStep, str, date, int]


def step_filings() -> list[tuple[str, str, str | None, list[Event], bool]]:
    """(key, matter, department, events, deleted): HANDLE lasts 1..10 working days over ten
    filings across National Day 2014, so its median and p90 are known; one filing has two
    events at the same moment (ordered by key); a deleted filing must not count."""
    filings: list[tuple[str, str, str | None, list[Event], bool]] = []
    start = date(2014, 9, 22)
    for n in range(10):
        accepted = start + timedelta(days=n)
        handled = CALENDAR.add_working_days(accepted, 2)
        reviewed = CALENDAR.add_working_days(handled, n + 1)
        events: list[Event] = [
            ("a", EventStep.ACCEPT, "受理窗口", accepted, 9),
            ("b", EventStep.HANDLE, "规划处" if n % 2 else "用地处", handled, 10),
            ("c", EventStep.REVIEW, "规划处", reviewed, 15),
        ]
        if n % 3 == 0:
            events.append(("d", EventStep.COMPLETE, "受理窗口", reviewed + timedelta(days=9), 16))
        filings.append(
            (f"F{n}", "M-LAND" if n < 7 else "M-PERMIT", "RJW" if n == 4 else None, events, False)
        )
    same = date(2014, 12, 2)
    filings.append(
        (
            "G1",
            "M-PERMIT",
            None,
            [
                ("a", EventStep.SUPPLEMENT_REQUESTED, "施工处", same, 10),
                ("b", EventStep.SUPPLEMENT_RECEIVED, "施工处", same, 10),
                ("c", EventStep.DECIDE, "施工处", date(2014, 12, 12), 10),
            ],
            False,
        )
    )
    filings.append(
        (
            "X1",
            "M-LAND",
            None,
            [
                ("a", EventStep.HANDLE, "用地处", start, 9),
                ("b", EventStep.REVIEW, "用地处", NOW.date(), 9),
            ],
            True,
        )
    )
    return filings


async def add_step_filings(store: Store) -> None:
    await add_matters(store)
    filings, events = [], []
    for key, matter, department, steps, deleted in step_filings():
        filings.append(
            {
                "key": key,
                "project_code": "2014-440300-47-01-000001",
                "matter_code": matter,
                "department_code": department,
                "status": "IN_PROGRESS",
            }
            | provenance(key, deleted)
        )
        events += [
            {
                "key": f"{key}-{suffix}",
                "filing_key": key,
                "step": step.value,
                "division": division,
                "occurred_at": utc(day, hour),
            }
            | provenance(f"{key}-{suffix}")
            for suffix, step, division, day, hour in steps
        ]
    # A deleted event between F0's ACCEPT and HANDLE would shorten the ACCEPT step.
    events.append(
        {
            "key": "F0-a2",
            "filing_key": "F0",
            "step": EventStep.HANDLE.value,
            "division": "用地处",
            "occurred_at": utc(date(2014, 9, 23), 9),
        }
        | provenance("F0-a2", deleted=True)
    )
    await insert(store, tables.filings, filings)
    await insert(store, tables.process_events, events)


def reference_steps(
    keys: Callable[[str, str, Event], tuple[Any, ...]],
    matters: set[str] | None = None,
) -> list[tuple[tuple[Any, ...], tuple[int, float, int, int, int]]]:
    """The expected rows: durations from each event to the filing's next, grouped by ``keys``
    (of the matter, the resolved department and the event)."""
    departments = {code: dept for code, dept, _ in MATTERS}
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for _key, matter, department, steps, deleted in step_filings():
        if deleted or (matters is not None and matter not in matters):
            continue
        ordered = sorted(steps, key=lambda event: (utc(event[3], event[4]), event[0]))
        for event, following in pairwise(ordered):
            group = keys(matter, department or departments[matter], event)
            groups[group].append(working(event[3], following[3]))
    return [(group, summary(groups[group])) for group in sorted(groups)]


async def test_step_stats_by_step_have_the_known_median_and_p90_in_one_statement(
    store: Store, sql_log: StatementLog
) -> None:
    await add_step_filings(store)
    with sql_log.recording():
        rows = await step_stats(store, CALENDAR, [StepGroup.STEP], true())
    assert len(sql_log.selects) == 1
    found = [((row.step.value,), measures(row)) for row in rows]
    assert found == reference_steps(lambda _m, _d, event: (event[1].value,))
    handle = next(row for row in rows if row.step is EventStep.HANDLE)
    assert measures(handle) == (10, 5.5, 5, 9, 10)  # 1..10 working days
    assert {row.department_code for row in rows} == {None}
    # At the same moment the key orders: the request lasts 0 days, the receipt until the decision.
    by_step = {row.step: row for row in rows}
    assert by_step[EventStep.SUPPLEMENT_REQUESTED].max_working_days == 0
    assert by_step[EventStep.SUPPLEMENT_RECEIVED].max_working_days == working(
        date(2014, 12, 2), date(2014, 12, 12)
    )
    assert EventStep.DECIDE not in by_step  # a last event has no duration


async def test_step_stats_by_department_division_step_and_matter_with_a_filter(
    store: Store, sql_log: StatementLog
) -> None:
    await add_step_filings(store)
    groups = [StepGroup.DEPARTMENT, StepGroup.DIVISION, StepGroup.STEP, StepGroup.MATTER]
    with sql_log.recording():
        rows = await step_stats(store, CALENDAR, groups, true())
        filtered = await step_stats(
            store, CALENDAR, [StepGroup.DEPARTMENT], tables.filings.c.matter_code == "M-LAND"
        )
    assert len(sql_log.selects) == 2
    found = [
        ((row.department_code, row.division, row.step.value, row.matter_code), measures(row))
        for row in rows
    ]
    assert found == reference_steps(
        lambda matter, dept, event: (dept, event[2], event[1].value, matter)
    )
    assert {row.department_code for row in rows} == {"GHJ", "RJW", "ZJJ"}
    assert [((row.department_code,), measures(row)) for row in filtered] == reference_steps(
        lambda _m, dept, _e: (dept,), matters={"M-LAND"}
    )
    # The graph passes condition(FilingFilter): the matter's stage is a correlated subquery.
    scope = FilterScope(Supervision.standard(store))
    by_stage = condition(FilingFilter(stage=StageFilter(eq=Stage.LAND_PLANNING)), scope)
    assert await step_stats(store, CALENDAR, [StepGroup.DEPARTMENT], by_stage) == filtered
    nothing = await step_stats(store, CALENDAR, [], tables.filings.c.key == "none")
    assert [measures(row) for row in nothing] == [(0, None, None, None, None)]


# Projects: (code, category, funding, district, China-time registration day, deleted).
PROJECTS = [
    ("2012-440304-47-01-000001", "BUILDING", "SOCIAL", "440304", date(2012, 3, 1), False),
    ("2012-440304-47-01-000002", "BUILDING", "GOVERNMENT", "440305", date(2012, 12, 31), False),
    ("2012-440304-47-01-000003", "BUILDING", "SOCIAL", "440304", date(2013, 1, 1), False),
    ("2012-440304-47-01-000004", "MUNICIPAL", "GOVERNMENT", "440305", date(2012, 6, 1), False),
    ("2012-440304-47-01-000005", "MUNICIPAL", "GOVERNMENT", "440305", date(2012, 6, 2), False),
    ("2012-440304-47-01-000006", "MUNICIPAL", "SOCIAL", "440304", date(2012, 6, 3), False),
    ("2012-440304-47-01-000007", "BUILDING", "SOCIAL", "440304", date(2012, 6, 4), False),
    ("2012-440304-47-01-000008", "BUILDING", "SOCIAL", "440304", date(2012, 6, 5), True),
] + [
    (f"2013-440304-47-01-1000{n:02}", "WATER", "GOVERNMENT", "440306", date(2013, 2, n + 1), False)
    for n in range(20)
]


def lead_filings() -> list[tuple[str, str, str, date, date | None]]:
    """(project, matter, status, submitted, completed) China-time days. Project 1 has two land
    filings (the earlier counts) and a rejected permit before two approvals (the first approval
    counts); 6 got its permit before it applied for land (left out); 7 has no permit; the
    deleted 8 and the twenty water projects (leads 5, 10, .., 100 working days) complete it."""
    codes = [code for code, *_ in PROJECTS]
    land, permit = "M-LAND", "M-PERMIT"
    rows = [
        (codes[0], land, "APPROVED", date(2012, 3, 5), date(2012, 4, 1)),
        (codes[0], land, "APPROVED", date(2012, 3, 2), date(2012, 4, 1)),
        (codes[0], permit, "REJECTED", date(2012, 5, 2), date(2012, 9, 3)),
        (codes[0], permit, "APPROVED", date(2012, 6, 2), date(2012, 10, 12)),
        (codes[0], permit, "APPROVED", date(2012, 6, 2), date(2012, 11, 12)),
        (codes[1], land, "APPROVED", date(2013, 1, 4), date(2013, 2, 1)),
        (codes[1], permit, "APPROVED", date(2013, 3, 4), date(2014, 1, 30)),
        (codes[2], land, "APPROVED", date(2013, 1, 4), date(2013, 2, 1)),
        (codes[2], permit, "APPROVED", date(2013, 3, 4), date(2013, 5, 2)),
        (codes[3], land, "APPROVED", date(2012, 6, 4), date(2012, 7, 1)),
        (codes[3], permit, "APPROVED", date(2012, 8, 4), date(2012, 10, 8)),
        (codes[4], land, "IN_PROGRESS", date(2012, 6, 4), None),
        (codes[4], permit, "APPROVED", date(2012, 8, 4), date(2013, 2, 18)),
        (codes[5], land, "APPROVED", date(2012, 9, 4), date(2012, 10, 1)),
        (codes[5], permit, "APPROVED", date(2012, 6, 4), date(2012, 8, 8)),
        (codes[6], land, "APPROVED", date(2012, 9, 4), date(2012, 10, 1)),
        (codes[6], permit, "IN_PROGRESS", date(2012, 10, 4), None),
        (codes[7], land, "APPROVED", date(2012, 9, 4), date(2012, 10, 1)),
        (codes[7], permit, "APPROVED", date(2012, 10, 4), date(2012, 12, 4)),
    ]
    for n, code in enumerate(codes[8:]):
        submitted = date(2013, 3, 1)
        rows.append((code, land, "APPROVED", submitted, date(2013, 3, 20)))
        completed = CALENDAR.add_working_days(submitted, 5 * (n + 1))
        rows.append((code, permit, "APPROVED", submitted, completed))
    return rows


async def add_lead_projects(store: Store) -> None:
    await add_matters(store)
    await insert(
        store,
        tables.projects,
        [
            {
                "code": code,
                "name": code,
                "category": category,
                "funding": funding,
                "district": district,
                "registered_at": registered,
            }
            | provenance(code, deleted)
            for code, category, funding, district, registered, deleted in PROJECTS
        ],
    )
    await insert(
        store,
        tables.filings,
        [
            {
                "key": f"L{n}",
                "project_code": project,
                "matter_code": matter,
                "status": status,
                "submitted_at": utc(submitted, 9),
                "completed_at": None if completed is None else utc(completed, 16),
            }
            | provenance(f"L{n}")
            for n, (project, matter, status, submitted, completed) in enumerate(lead_filings())
        ],
    )


def reference_leads() -> dict[str, int]:
    """Each live project's lead time LAND_PLANNING -> CONSTRUCTION_PERMIT, computed here."""
    live = {code for code, *_, deleted in PROJECTS if not deleted}
    starts: dict[str, list[date]] = defaultdict(list)
    ends: dict[str, list[date]] = defaultdict(list)
    for project, matter, status, submitted, completed in lead_filings():
        if matter == "M-LAND":
            starts[project].append(submitted)
        elif status == "APPROVED" and completed is not None:
            ends[project].append(completed)
    return {
        code: working(min(starts[code]), min(ends[code]))
        for code in live
        if starts[code] and ends[code] and min(ends[code]) >= min(starts[code])
    }


async def test_lead_times_by_category_and_year_of_registration_in_one_statement(
    store: Store, sql_log: StatementLog
) -> None:
    await add_lead_projects(store)
    with sql_log.recording():
        rows = await lead_time_stats(
            store,
            CALENDAR,
            Stage.LAND_PLANNING,
            Stage.CONSTRUCTION_PERMIT,
            [LeadTimeGroup.CATEGORY, LeadTimeGroup.YEAR],
            true(),
        )
    assert len(sql_log.selects) == 1
    leads = reference_leads()
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for code, category, _funding, _district, registered, _deleted in PROJECTS:
        if code in leads:
            groups[(category, registered.year)].append(leads[code])
    found = [((row.category.value, row.year), measures(row)) for row in rows]
    assert found == [(group, summary(groups[group])) for group in sorted(groups)]
    water = next(row for row in rows if row.category.value == "WATER")
    assert measures(water) == (20, 52.5, 50, 90, 100)
    assert {(row.funding, row.district) for row in rows} == {(None, None)}


async def test_lead_times_by_funding_and_district_with_a_filter_and_per_project(
    store: Store,
) -> None:
    await add_lead_projects(store)
    p = tables.projects
    rows = await lead_time_stats(
        store,
        CALENDAR,
        Stage.LAND_PLANNING,
        Stage.CONSTRUCTION_PERMIT,
        [LeadTimeGroup.FUNDING, LeadTimeGroup.DISTRICT],
        p.c.category != "WATER",
    )
    leads = reference_leads()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for code, category, funding, district, _registered, _deleted in PROJECTS:
        if code in leads and category != "WATER":
            groups[(funding, district)].append(leads[code])
    found = [((row.funding.value, row.district.code), measures(row)) for row in rows]
    assert found == [(group, summary(groups[group])) for group in sorted(groups)]
    assert rows[0].district is not None and rows[0].district.code == "440305"  # 南山区
    # The graph passes condition(ProjectFilter), here with a correlated filing subquery.
    in_progress = FilingFilter(status=FilingStatusFilter(eq=FilingStatus.IN_PROGRESS))
    by_filing = condition(
        ProjectFilter(has_filing=in_progress), FilterScope(Supervision.standard(store))
    )
    found = await lead_time_stats(
        store, CALENDAR, Stage.LAND_PLANNING, Stage.CONSTRUCTION_PERMIT, [], by_filing
    )
    assert [measures(row) for row in found] == [summary([leads[PROJECTS[4][0]]])]
    for code, *_ in PROJECTS[:8]:
        found_lead = await project_lead_time(
            store, CALENDAR, code, Stage.LAND_PLANNING, Stage.CONSTRUCTION_PERMIT
        )
        assert found_lead == leads.get(code), code
    first = PROJECTS[0][0]
    assert leads[first] == working(date(2012, 3, 2), date(2012, 10, 12))
    assert (
        await project_lead_time(
            store, CALENDAR, first, Stage.CONSTRUCTION_PERMIT, Stage.LAND_PLANNING
        )
        is None  # its land approval came before its first permit filing
    )


async def test_the_demo_pre_reform_lead_times_agree_with_its_story(demo_store: Store) -> None:
    rows = await lead_time_stats(
        demo_store,
        standard_calendar(),
        Stage.LAND_PLANNING,
        Stage.CONSTRUCTION_PERMIT,
        [LeadTimeGroup.CATEGORY, LeadTimeGroup.YEAR],
        true(),
    )
    story = await lead_times_by_cohort(demo_store)  # the story's own computation
    for category, expected in (("BUILDING", 518), ("MUNICIPAL", 473)):
        cohort = [
            row for row in rows if row.category.value == category and row.year in (2010, 2011)
        ]
        count = sum(row.count for row in cohort)
        average = sum(row.count * row.avg_working_days for row in cohort) / count
        before = story[("before", category)]
        assert count == len(before) >= 30
        assert abs(average - mean(before)) <= 0.01, category  # groups' averages are to cents
        assert abs(average - expected) <= 0.05 * expected, (category, average)


async def test_the_demo_steps_count_every_event_but_each_filing_last(demo_store: Store) -> None:
    rows = await step_stats(demo_store, standard_calendar(), [StepGroup.STEP], true())
    e = tables.process_events
    async with demo_store.read() as conn:
        events, filings = (
            await conn.execute(select(func.count(), func.count(distinct(e.c.filing_key))))
        ).one()
    assert sum(row.count for row in rows) == events - filings > 1000
    assert all(
        0 <= row.median_working_days <= row.p90_working_days <= row.max_working_days for row in rows
    )
    assert EventStep.HANDLE in {row.step for row in rows}
