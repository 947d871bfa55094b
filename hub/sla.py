"""Every filing's clock (时限): its time-limit state as of a business day, computed in SQL.

The rule, one for every count in the hub (the README's "Supervision" section writes it out):

- the limit is the one the filing kept from the catalogue when it arrived (``time_limit_days``);
- only what happened by the end of the as-of day (China time) counts;
- elapsed = working days ``d`` with accepted < d <= the as-of day, or the completion day;
- the clock stops while the filing waits for the applicant or a special procedure: working days
  ``d`` with opened < d <= closed are not counted, for each supplement request (补正告知 →
  补正接收) and each special procedure (特别程序: expert review, public notice, hearing), clipped
  to the clock's own span, so a supplement before acceptance stops nothing;
- net = elapsed - suspended; the filing is due on the day its net count reaches the limit
  (``dueOn``), and overdue once net exceeds it;
- open filings are SUSPENDED while a suspension is open, else OVERDUE, DUE_SOON (at most
  ``max(min_days, share × limit)`` working days remain), or RUNNING; completed ones are
  COMPLETED_ON_TIME or COMPLETED_LATE; filings not accepted by then are NOT_ACCEPTED; data the rule
  cannot judge is UNKNOWN with the reason (never a wrong number).

``FilingClock.table`` builds one subquery of every filing's clock as of a day; the graph's
``Filing.sla``, the ``sla`` filter, ``filingStats`` and the supervision job all select from it,
so a state is computed the same way wherever it is read.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from hub import tables
from hub.calendar import (
    CHINA_OFFSET_HOURS,
    UnknownCalendarYearError,
    WorkingCalendar,
    standard_calendar,
)
from hub.clock import utcnow
from hub.config import HubConfig, SupervisionConfig
from hub.entities import EventStep, FilingStatus
from hub.store import Store


class SlaState(enum.Enum):
    NOT_ACCEPTED = "NOT_ACCEPTED"  # 未受理
    RUNNING = "RUNNING"  # 正常
    DUE_SOON = "DUE_SOON"  # 黄灯: 即将超时
    OVERDUE = "OVERDUE"  # 红灯: 超时
    SUSPENDED = "SUSPENDED"  # 暂停计时 (补正, 特别程序)
    COMPLETED_ON_TIME = "COMPLETED_ON_TIME"
    COMPLETED_LATE = "COMPLETED_LATE"
    UNKNOWN = "UNKNOWN"  # the data cannot be judged; see the reason


OPEN_STATES = frozenset({SlaState.RUNNING, SlaState.DUE_SOON, SlaState.OVERDUE, SlaState.SUSPENDED})
# Each step that stops the clock, and the step that starts it again.
SUSPENSIONS = {
    EventStep.SUPPLEMENT_REQUESTED: EventStep.SUPPLEMENT_RECEIVED,
    EventStep.SPECIAL_PROCEDURE_STARTED: EventStep.SPECIAL_PROCEDURE_ENDED,
}
_CLOSED_STATUSES = (
    FilingStatus.APPROVED.value,
    FilingStatus.REJECTED.value,
    FilingStatus.WITHDRAWN.value,
)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """When an open filing turns yellow: at most ``max(due_soon_min_days, due_soon_share ×
    limit)`` working days left."""

    due_soon_share: float = 0.2
    due_soon_min_days: int = 1

    @classmethod
    def configured(cls, config: SupervisionConfig) -> SlaPolicy:
        return cls(config.due_soon_share, config.due_soon_min_days)


@dataclass(frozen=True, slots=True)
class FilingSla:
    """One filing's clock as of a day (a row of ``FilingClock.table`` plus its due date)."""

    key: str
    as_of: date
    state: SlaState
    reason: str | None
    limit_days: int | None
    elapsed_working_days: int | None
    suspended_working_days: int | None
    current_step: EventStep | None
    current_step_since: datetime | None
    working_days_in_step: int | None
    due_on: date | None

    @property
    def remaining_working_days(self) -> int | None:
        """Working days left within the limit; negative when overdue."""
        if self.limit_days is None or self.elapsed_working_days is None:
            return None
        return self.limit_days - self.net_working_days  # type: ignore[operator]

    @property
    def net_working_days(self) -> int | None:
        if self.elapsed_working_days is None or self.suspended_working_days is None:
            return None
        return self.elapsed_working_days - self.suspended_working_days


@dataclass(frozen=True, slots=True)
class Supervision:
    """The clock of a deployment and its business day: ``as_of`` from ``[supervision]``, or
    None for today in China."""

    clock: FilingClock
    as_of: date | None = None

    @classmethod
    def configured(cls, store: Store, config: HubConfig) -> Supervision:
        clock = FilingClock(
            store,
            WorkingCalendar.configured(config.calendar),
            SlaPolicy.configured(config.supervision),
        )
        as_of = config.supervision.as_of
        return cls(clock, None if as_of == "today" else as_of)

    @classmethod
    def standard(cls, store: Store) -> Supervision:
        return cls(FilingClock(store, standard_calendar()))

    def business_day(self, given: date | None = None) -> date:
        """``given``, else the configured day, else today in China."""
        return given or self.as_of or china_today(utcnow())


def china_today(now: datetime) -> date:
    """The business day in China of a naive UTC instant."""
    return (now + timedelta(hours=CHINA_OFFSET_HOURS)).date()


def cutoff(as_of: date) -> datetime:
    """The first instant after the as-of day in China time, as naive UTC (how the store keeps
    datetimes)."""
    return datetime.combine(as_of + timedelta(days=1), time()) - timedelta(hours=CHINA_OFFSET_HOURS)


def suspension_ends_before_it_starts(
    end_of_day: ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """A filing (of ``tables.filings``, correlated) has an event that ends a suspension (补正接收,
    特别程序结束) with no event starting one at or before it (by ``end_of_day``, if given)."""
    f = tables.filings
    events = tables.process_events
    return or_(
        *(
            exists().where(
                events.c.filing_key == f.c.key,
                events.c.deleted_at.is_(None),
                events.c.step == closing.value,
                true() if end_of_day is None else events.c.occurred_at < end_of_day,
                not_(
                    exists()
                    .where(
                        opening_events.c.filing_key == f.c.key,
                        opening_events.c.deleted_at.is_(None),
                        opening_events.c.step == opening.value,
                        opening_events.c.occurred_at <= events.c.occurred_at,
                    )
                    .correlate(f, events)
                ),
            )
            for opening, closing in SUSPENSIONS.items()
            for opening_events in [events.alias(f"opened_{opening.value.lower()}")]
        )
    )


class FilingClock:
    """Builds the SQL of every filing's clock as of a day, on one store and one calendar."""

    def __init__(
        self, store: Store, calendar: WorkingCalendar, policy: SlaPolicy | None = None
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.policy = policy or SlaPolicy()

    def _greatest(self, *values: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.max(*values) if self.store.is_sqlite else func.greatest(*values)

    def _least(self, *values: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.min(*values) if self.store.is_sqlite else func.least(*values)

    def table(self, as_of: date, only: ColumnElement[bool] | None = None) -> Subquery:
        """Every live filing's clock as of ``as_of``: columns ``key``, ``state``, ``reason``,
        ``limit_days``, ``accepted_at``, ``elapsed``, ``suspended``, ``current_step``,
        ``step_since``, ``step_days``. A year the calendar lacks makes every clock UNKNOWN with
        that reason, never a wrong count. ``only``, a condition on ``tables.filings``, leaves
        out the clocks of the filings it does not hold for (a statement that keeps only those
        anyway then computes no clock it drops); the others are unchanged."""
        try:
            self.calendar.check_years(as_of, as_of)
            return self._clock(as_of, true() if only is None else only)
        except UnknownCalendarYearError as exc:
            return self._unknown_for_all(str(exc))

    def on_clock(self, as_of: date) -> ColumnElement[bool]:
        """Which filings ``table(as_of)`` has a row for, as a condition on ``tables.filings``:
        the live ones submitted by the end of the day (every live one when the calendar lacks
        the year, each then UNKNOWN)."""
        f = tables.filings
        try:
            self.calendar.check_years(as_of, as_of)
        except UnknownCalendarYearError:
            return f.c.deleted_at.is_(None)
        return and_(f.c.deleted_at.is_(None), f.c.submitted_at < literal(cutoff(as_of), DateTime()))

    def _clock(self, as_of: date, only: ColumnElement[bool]) -> Subquery:
        f = tables.filings
        end_of_day = literal(cutoff(as_of), DateTime())
        # Any instant of the as-of day stands for it: only days are counted.
        as_of_instant = literal(cutoff(as_of) - timedelta(hours=12), DateTime())

        def index(column: ColumnElement[Any]) -> ColumnElement[int]:
            return self.calendar.sql_index(self.store, column)

        accepted = case((f.c.accepted_at < end_of_day, f.c.accepted_at))
        completed = case((f.c.completed_at < end_of_day, f.c.completed_at))
        end = func.coalesce(completed, as_of_instant)
        suspensions = self._suspensions(end_of_day, as_of_instant, index)
        events = tables.process_events
        latest = (
            select(events.c.step, events.c.occurred_at)
            .where(
                events.c.filing_key == f.c.key,
                events.c.occurred_at < end_of_day,
                events.c.deleted_at.is_(None),
            )
            .order_by(events.c.occurred_at.desc(), events.c.key.desc())
            .limit(1)
            # Explicit: it sits two levels down inside an index lookup.
            .correlate(f)
        )
        step = latest.with_only_columns(events.c.step).scalar_subquery()
        step_since = latest.with_only_columns(events.c.occurred_at).scalar_subquery()
        reason = case(*self._reasons(accepted, completed, end_of_day), else_=null())
        # First the facts per filing, each computed once; OFFSET 0 keeps both SQLite and
        # PostgreSQL from folding this layer into the next, which would repeat every index
        # lookup in each branch of the state's CASE.
        facts = (
            select(
                f.c.key.label("key"),
                f.c.time_limit_days.label("limit_days"),
                accepted.label("accepted_at"),
                completed.label("completed_at"),
                (index(end) - index(accepted)).label("elapsed"),
                func.coalesce(suspensions.c.days, 0).label("suspended"),
                func.coalesce(suspensions.c.open_count, 0).label("open_count"),
                reason.label("reason"),
                step.label("current_step"),
                step_since.label("step_since"),
            )
            .select_from(f.outerjoin(suspensions, suspensions.c.filing_key == f.c.key))
            .where(self.on_clock(as_of), only)
            .offset(0)
            .subquery("filing_facts")
        )
        c = facts.c
        net = c.elapsed - c.suspended
        limit = c.limit_days
        threshold = self._greatest(
            literal(float(self.policy.due_soon_min_days), Float()),
            cast(limit, Float) * self.policy.due_soon_share,
        )
        state = case(
            (c.reason.is_not(None), SlaState.UNKNOWN.value),
            (c.accepted_at.is_(None), SlaState.NOT_ACCEPTED.value),
            (and_(c.completed_at.is_not(None), net <= limit), SlaState.COMPLETED_ON_TIME.value),
            (c.completed_at.is_not(None), SlaState.COMPLETED_LATE.value),
            (c.open_count > 0, SlaState.SUSPENDED.value),
            (net > limit, SlaState.OVERDUE.value),
            (cast(limit - net, Float) <= threshold, SlaState.DUE_SOON.value),
            else_=SlaState.RUNNING.value,
        )
        counted = and_(c.reason.is_(None), c.accepted_at.is_not(None))
        return select(
            c.key,
            state.label("state"),
            c.reason,
            c.limit_days,
            c.accepted_at,
            case((counted, c.elapsed)).label("elapsed"),
            case((counted, c.suspended)).label("suspended"),
            c.current_step,
            c.step_since,
            # On the facts' column: the latest event is looked up once, not again inside this.
            case((c.step_since.is_not(None), index(as_of_instant) - index(c.step_since))).label(
                "step_days"
            ),
        ).subquery("filing_clock")

    def _unknown_for_all(self, reason: str) -> Subquery:
        f = tables.filings
        return (
            select(
                f.c.key.label("key"),
                literal(SlaState.UNKNOWN.value, String()).label("state"),
                literal(reason, String()).label("reason"),
                f.c.time_limit_days.label("limit_days"),
                f.c.accepted_at.label("accepted_at"),
                *(
                    null().label(name)
                    for name in ("elapsed", "suspended", "current_step", "step_since")
                ),
                null().label("step_days"),
            )
            .where(f.c.deleted_at.is_(None))  # what on_clock says of a year the calendar lacks
            .subquery("filing_clock")
        )

    def _reasons(
        self,
        accepted: ColumnElement[Any],
        completed: ColumnElement[Any],
        end_of_day: ColumnElement[Any],
    ) -> list[tuple[ColumnElement[bool], str]]:
        """The data the rule cannot judge, each with what is wrong, first match wins."""
        f = tables.filings
        limit = f.c.time_limit_days
        first_known = literal(
            datetime.combine(self.calendar.first, time()) - timedelta(hours=CHINA_OFFSET_HOURS),
            DateTime(),
        )
        return [
            (limit.is_(None), "the filing has no time limit (its matter has none)"),
            (limit < 0, "the time limit is negative"),
            (
                and_(accepted.is_(None), completed.is_not(None)),
                "completed without an acceptance time",
            ),
            (
                and_(
                    f.c.completed_at.is_(None),
                    f.c.status.in_(_CLOSED_STATUSES),
                    accepted.is_not(None),
                ),
                "closed (status) without a completion time",
            ),
            (
                accepted < first_known,
                f"accepted before {self.calendar.first}, which the working-day calendar does "
                "not cover",
            ),
            (completed < accepted, "completed before it was accepted"),
            (
                suspension_ends_before_it_starts(end_of_day),
                "events out of order: a suspension ends before it starts",
            ),
        ]

    def _suspensions(
        self,
        end_of_day: ColumnElement[Any],
        as_of_instant: ColumnElement[Any],
        index: Any,
    ) -> Subquery:
        """Per filing: working days its clock stood still and how many suspensions are open."""
        f = tables.filings
        events = tables.process_events
        opened = events.alias("suspension_start")
        closed = events.alias("suspension_end")
        closing_step = case(
            *((opened.c.step == o.value, literal(c.value)) for o, c in SUSPENSIONS.items()),
        )
        closed_at = (
            select(func.min(closed.c.occurred_at))
            .where(
                closed.c.filing_key == opened.c.filing_key,
                closed.c.deleted_at.is_(None),
                closed.c.step == closing_step,
                closed.c.occurred_at >= opened.c.occurred_at,
                closed.c.occurred_at < end_of_day,
            )
            .correlate(opened)
            .scalar_subquery()
        )
        completed = case((f.c.completed_at < end_of_day, f.c.completed_at))
        clock_end = func.coalesce(completed, as_of_instant)
        start = self._greatest(opened.c.occurred_at, f.c.accepted_at)
        stop = self._least(func.coalesce(closed_at, clock_end), clock_end)
        days = self._greatest(literal(0, Integer()), index(stop) - index(start))
        return (
            select(
                opened.c.filing_key.label("filing_key"),
                func.sum(case((f.c.accepted_at < end_of_day, days), else_=0)).label("days"),
                func.sum(case((closed_at.is_(None), 1), else_=0)).label("open_count"),
            )
            .select_from(opened.join(f, f.c.key == opened.c.filing_key))
            .where(
                opened.c.deleted_at.is_(None),
                opened.c.step.in_([o.value for o in SUSPENSIONS]),
                opened.c.occurred_at < end_of_day,
            )
            .group_by(opened.c.filing_key)
            .subquery("suspensions")
        )

    def sla(self, row: Any, as_of: date) -> FilingSla:
        """A ``FilingSla`` from a row of ``table``, with its due date worked out."""
        state = SlaState(row.state)
        suspended = None if row.suspended is None else int(row.suspended)
        due_on = None
        if (
            state is not SlaState.UNKNOWN
            and row.accepted_at is not None
            and row.limit_days is not None
        ):
            accepted_day = (row.accepted_at + timedelta(hours=CHINA_OFFSET_HOURS)).date()
            try:
                due_on = self.calendar.add_working_days(
                    accepted_day, int(row.limit_days) + (suspended or 0)
                )
            except UnknownCalendarYearError:
                due_on = None
        step = row.current_step
        return FilingSla(
            key=row.key,
            as_of=as_of,
            state=state,
            reason=row.reason,
            limit_days=None if row.limit_days is None else int(row.limit_days),
            elapsed_working_days=None if row.elapsed is None else int(row.elapsed),
            suspended_working_days=suspended,
            current_step=None if step is None else EventStep(step),
            current_step_since=row.step_since,
            working_days_in_step=None if row.step_days is None else int(row.step_days),
            due_on=due_on,
        )

    async def of(self, keys: Sequence[str], as_of: date) -> dict[str, FilingSla]:
        """The clocks of the filings ``keys`` as of ``as_of``, in one statement."""
        async with self.store.read() as conn:
            clock = self.table(as_of)
            rows = await conn.execute(select(clock).where(clock.c.key.in_(list(keys))))
            return {row.key: self.sla(row, as_of) for row in rows}
