"""Every filing's clock, on SQLite and PostgreSQL, against a reference computed here straight from
``chinese_calendar`` (not from ``hub.calendar``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
import pytest

from hub import tables
from hub.calendar import WorkingCalendar
from hub.entities import EventStep
from hub.sla import FilingClock, SlaPolicy, SlaState
from hub.store import Store

pytestmark = pytest.mark.anyio
NOW = datetime(2020, 1, 1)


def utc(day: date, hour: int = 10) -> datetime:
    """A China-time office hour on ``day`` as naive UTC."""
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


def working(start: date, end: date) -> int:
    """Working days d with start < d <= end, counted day by day with chinese_calendar."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += chinese_calendar.is_workday(day)
        day += timedelta(days=1)
    return count


async def add_filing(
    store: Store,
    key: str,
    *,
    limit: int | None,
    accepted: date | None,
    completed: date | None = None,
    status: str = "IN_PROGRESS",
    steps: Sequence[tuple[EventStep, date]] = (),
    submitted: date | None = None,
) -> None:
    provenance = {"src_connector": "test", "src_key": key, "synced_at": NOW}
    submitted_day = submitted or accepted or date(2014, 12, 1)
    async with store.write() as conn:
        await conn.execute(
            tables.filings.insert(),
            {
                "key": key,
                "project_code": "2014-440300-47-01-000001",
                "matter_code": "M1",
                "status": status,
                "time_limit_days": limit,
                "submitted_at": utc(submitted_day, 9),
                "accepted_at": None if accepted is None else utc(accepted),
                "completed_at": None if completed is None else utc(completed, 16),
                **provenance,
            },
        )
        events: list[dict[str, Any]] = [
            {
                "key": f"{key}-{n}",
                "filing_key": key,
                "step": step.value,
                "occurred_at": utc(day, 11 + n % 5),
                **provenance,
            }
            for n, (step, day) in enumerate(steps)
        ]
        if events:
            await conn.execute(tables.process_events.insert(), events)


@pytest.fixture
def clock(store: Store) -> FilingClock:
    return FilingClock(store, WorkingCalendar(), SlaPolicy())


async def test_a_running_clock_counts_working_days_after_acceptance(
    store: Store, clock: FilingClock
) -> None:
    accepted, as_of = date(2014, 12, 1), date(2014, 12, 5)
    await add_filing(store, "F1", limit=20, accepted=accepted, steps=[(EventStep.ACCEPT, accepted)])
    sla = (await clock.of(["F1"], as_of))["F1"]
    assert sla.state is SlaState.RUNNING
    assert sla.elapsed_working_days == working(accepted, as_of) == 4
    assert sla.suspended_working_days == 0
    assert sla.remaining_working_days == 16
    assert sla.current_step is EventStep.ACCEPT
    assert sla.working_days_in_step == 4
    assert sla.due_on == date(2014, 12, 29)
    assert working(accepted, sla.due_on) == 20


async def test_overdue_once_the_net_count_passes_the_limit_and_due_on_is_the_last_day(
    store: Store, clock: FilingClock
) -> None:
    accepted = date(2014, 12, 1)
    await add_filing(
        store,
        "F1",
        limit=3,
        accepted=accepted,
        steps=[(EventStep.ACCEPT, accepted), (EventStep.HANDLE, date(2014, 12, 2))],
    )
    states = {
        day: (await clock.of(["F1"], day))["F1"] for day in (date(2014, 12, d) for d in (3, 4, 5))
    }
    assert states[date(2014, 12, 3)].state is SlaState.DUE_SOON  # one day left of three
    assert states[date(2014, 12, 4)].state is SlaState.DUE_SOON  # the last day: none left
    assert states[date(2014, 12, 4)].remaining_working_days == 0
    assert states[date(2014, 12, 5)].state is SlaState.OVERDUE
    assert states[date(2014, 12, 5)].remaining_working_days == -1
    assert {s.due_on for s in states.values()} == {date(2014, 12, 4)}
    assert states[date(2014, 12, 5)].current_step is EventStep.HANDLE


async def test_holidays_and_make_up_days_follow_the_calendar(
    store: Store, clock: FilingClock
) -> None:
    # Spring Festival 2015: 18-24 February off, Sunday 15 and Saturday 28 February worked.
    accepted, as_of = date(2015, 2, 13), date(2015, 2, 28)
    await add_filing(store, "F1", limit=30, accepted=accepted)
    sla = (await clock.of(["F1"], as_of))["F1"]
    assert sla.elapsed_working_days == working(accepted, as_of) == 7


async def test_a_supplement_after_acceptance_stops_the_clock(
    store: Store, clock: FilingClock
) -> None:
    accepted, requested, received = date(2014, 12, 1), date(2014, 12, 3), date(2014, 12, 9)
    as_of = date(2014, 12, 12)
    await add_filing(
        store,
        "F1",
        limit=5,
        accepted=accepted,
        steps=[
            (EventStep.ACCEPT, accepted),
            (EventStep.SUPPLEMENT_REQUESTED, requested),
            (EventStep.SUPPLEMENT_RECEIVED, received),
        ],
    )
    sla = (await clock.of(["F1"], as_of))["F1"]
    assert sla.elapsed_working_days == working(accepted, as_of) == 9
    assert sla.suspended_working_days == working(requested, received) == 4
    assert sla.remaining_working_days == 0
    assert sla.state is SlaState.DUE_SOON
    assert sla.due_on == date(2014, 12, 12)


async def test_an_open_suspension_is_suspended_and_a_special_procedure_counts_the_same(
    store: Store, clock: FilingClock
) -> None:
    accepted = date(2014, 12, 1)
    await add_filing(
        store,
        "WAITING",
        limit=5,
        accepted=accepted,
        steps=[(EventStep.ACCEPT, accepted), (EventStep.SUPPLEMENT_REQUESTED, date(2014, 12, 2))],
    )
    await add_filing(
        store,
        "HEARING",
        limit=5,
        accepted=accepted,
        steps=[
            (EventStep.ACCEPT, accepted),
            (EventStep.SPECIAL_PROCEDURE_STARTED, date(2014, 12, 2)),
            (EventStep.SPECIAL_PROCEDURE_ENDED, date(2014, 12, 16)),
        ],
    )
    as_of = date(2014, 12, 19)
    clocks = await clock.of(["WAITING", "HEARING"], as_of)
    assert clocks["WAITING"].state is SlaState.SUSPENDED
    assert clocks["WAITING"].suspended_working_days == working(date(2014, 12, 2), as_of)
    hearing = clocks["HEARING"]
    assert hearing.suspended_working_days == working(date(2014, 12, 2), date(2014, 12, 16)) == 10
    assert hearing.elapsed_working_days == working(accepted, as_of) == 14
    assert hearing.state is SlaState.DUE_SOON  # 4 net of 5


async def test_a_supplement_before_acceptance_stops_nothing(
    store: Store, clock: FilingClock
) -> None:
    accepted = date(2014, 12, 10)
    await add_filing(
        store,
        "F1",
        limit=5,
        accepted=accepted,
        submitted=date(2014, 12, 1),
        steps=[
            (EventStep.SUPPLEMENT_REQUESTED, date(2014, 12, 2)),
            (EventStep.SUPPLEMENT_RECEIVED, date(2014, 12, 9)),
            (EventStep.ACCEPT, accepted),
        ],
    )
    sla = (await clock.of(["F1"], date(2014, 12, 12)))["F1"]
    assert sla.suspended_working_days == 0
    assert sla.elapsed_working_days == 2


async def test_completed_on_time_or_late_and_the_past_as_it_was(
    store: Store, clock: FilingClock
) -> None:
    accepted = date(2014, 12, 1)
    await add_filing(
        store, "ON_TIME", limit=5, accepted=accepted, completed=date(2014, 12, 8), status="APPROVED"
    )
    await add_filing(
        store, "LATE", limit=5, accepted=accepted, completed=date(2014, 12, 9), status="APPROVED"
    )
    clocks = await clock.of(["ON_TIME", "LATE"], date(2014, 12, 31))
    assert clocks["ON_TIME"].state is SlaState.COMPLETED_ON_TIME
    assert clocks["LATE"].state is SlaState.COMPLETED_LATE
    before = await clock.of(["ON_TIME", "LATE"], date(2014, 12, 5))
    assert before["LATE"].state is SlaState.DUE_SOON  # open as of then, 1 day left
    assert (await clock.of(["LATE"], date(2014, 11, 30))) == {}  # not yet submitted
    await add_filing(store, "LATER", limit=5, accepted=date(2014, 12, 3), submitted=accepted)
    assert (await clock.of(["LATER"], date(2014, 12, 2)))["LATER"].state is SlaState.NOT_ACCEPTED


async def test_an_immediate_matter_has_no_day_to_spare(store: Store, clock: FilingClock) -> None:
    accepted = date(2014, 12, 1)
    await add_filing(store, "F1", limit=0, accepted=accepted)
    assert (await clock.of(["F1"], accepted))["F1"].state is SlaState.DUE_SOON
    assert (await clock.of(["F1"], date(2014, 12, 2)))["F1"].state is SlaState.OVERDUE


@pytest.mark.parametrize(
    ("filing", "reason"),
    [
        ({"limit": None, "accepted": date(2014, 12, 1)}, "no time limit"),
        ({"limit": -3, "accepted": date(2014, 12, 1)}, "negative"),
        (
            {"limit": 5, "accepted": date(2014, 12, 5), "completed": date(2014, 12, 2)},
            "completed before it was accepted",
        ),
        (
            {"limit": 5, "accepted": None, "completed": date(2014, 12, 2), "status": "APPROVED"},
            "without an acceptance time",
        ),
        (
            {"limit": 5, "accepted": date(2014, 12, 1), "status": "APPROVED"},
            "without a completion time",
        ),
        (
            {
                "limit": 5,
                "accepted": date(2014, 12, 1),
                "steps": [
                    (EventStep.SUPPLEMENT_RECEIVED, date(2014, 12, 2)),
                    (EventStep.SUPPLEMENT_REQUESTED, date(2014, 12, 3)),
                ],
            },
            "out of order",
        ),
        ({"limit": 5, "accepted": date(2003, 6, 2)}, "does not cover"),
    ],
)
async def test_data_the_rule_cannot_judge_is_unknown_with_the_reason(
    store: Store, clock: FilingClock, filing: dict[str, Any], reason: str
) -> None:
    await add_filing(store, "BAD", **filing)
    await add_filing(store, "GOOD", limit=20, accepted=date(2014, 12, 1))
    clocks = await clock.of(["BAD", "GOOD"], date(2014, 12, 12))
    assert clocks["BAD"].state is SlaState.UNKNOWN
    assert reason in (clocks["BAD"].reason or "")
    assert clocks["BAD"].elapsed_working_days is None and clocks["BAD"].due_on is None
    assert clocks["GOOD"].state is SlaState.RUNNING


async def test_an_as_of_day_outside_the_calendar_is_unknown_for_every_filing(
    store: Store, clock: FilingClock
) -> None:
    await add_filing(store, "F1", limit=20, accepted=date(2014, 12, 1))
    sla = (await clock.of(["F1"], date(2099, 1, 5)))["F1"]
    assert sla.state is SlaState.UNKNOWN
    assert "2099" in (sla.reason or "") and "[calendar]" in (sla.reason or "")
