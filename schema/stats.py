"""``filingStats`` and ``projectStats``: one SQL ``GROUP BY`` each; the filing statistics
join every filing's clock as of the day asked about (``hub.sla``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from hub import entities, tables
from hub.calendar import CHINA_OFFSET_HOURS
from hub.sla import SlaState, cutoff
from hub.store import Store
from schema.filters import FilingFilter, FilterScope, ProjectFilter, condition
from schema.live import live
from schema.types.district import District
from schema.types.enums import to_enum
from schema.types.stats import FilingGroup, FilingStats, ProjectGroup, ProjectStats

S = entities.FilingStatus
COMPLETED = (S.APPROVED.value, S.REJECTED.value)
IN_PROGRESS = (S.ACCEPTED.value, S.IN_PROGRESS.value, S.SUPPLEMENT.value)
COMPLETED_STATES = (SlaState.COMPLETED_ON_TIME.value, SlaState.COMPLETED_LATE.value)
# FilingStats field -> the clock state it counts.
SLA_COUNTS = (
    ("overdue", SlaState.OVERDUE),
    ("due_soon", SlaState.DUE_SOON),
    ("running", SlaState.RUNNING),
    ("suspended", SlaState.SUSPENDED),
    ("not_accepted", SlaState.NOT_ACCEPTED),
    ("completed_on_time", SlaState.COMPLETED_ON_TIME),
    ("completed_late", SlaState.COMPLETED_LATE),
    ("unknown", SlaState.UNKNOWN),
)
# Grouping by these needs each filing's clock.
CLOCK_GROUPS = frozenset({FilingGroup.CURRENT_STEP, FilingGroup.SLA_STATE})
P = entities.ProjectStatus
PROJECT_IN_PROGRESS = (P.UNDER_APPROVAL.value, P.UNDER_CONSTRUCTION.value)


def china_part(
    store: Store, column: ColumnElement[Any], sqlite_format: str, postgres_format: str
) -> ColumnElement[str]:
    """A part of a stored time as text in China time: a naive UTC datetime is shifted, a date
    is already a day in China's calendar."""
    shift = not isinstance(column.type, Date)
    if store.is_sqlite:
        modifiers = [f"+{CHINA_OFFSET_HOURS} hours"] if shift else []
        return func.strftime(sqlite_format, column, *modifiers)
    if shift:
        column = column + literal_column(f"INTERVAL '{CHINA_OFFSET_HOURS} hours'")
    return func.to_char(column, postgres_format)


def month_of(store: Store, column: ColumnElement[Any]) -> ColumnElement[str]:
    """YYYY-MM of a stored time, in China time."""
    return china_part(store, column, "%Y-%m", "YYYY-MM")


def _count_if(condition_: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition_, 1), else_=0)), 0)


def _unique(groups: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(groups))


async def _grouped_rows(
    store: Store,
    query: Select[Any],
    keys: dict[Any, ColumnElement[Any]],
    chosen: Sequence[tuple[Any, ColumnElement[Any]]],
) -> list[Any]:
    """The rows of ``query`` grouped and ordered by the chosen keys."""
    grouped = query.group_by(*(keys[group] for group, _ in chosen))
    async with store.read() as conn:
        return list((await conn.execute(grouped.order_by(*(label for _, label in chosen)))).all())


def _rounded(value: Any) -> float | None:
    """Sums and averages to cents (PostgreSQL returns Decimal for AVG of integers)."""
    return None if value is None else round(float(value), 2)


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


async def filing_stats(
    scope: FilterScope,
    group_by: Sequence[FilingGroup],
    filter: FilingFilter | None,
    as_of: date,
    *,
    clocks: bool = True,
) -> list[FilingStats]:
    """Filings grouped, counted and timed in one statement, each filing's clock as of
    ``as_of`` (``hub.sla``): open filings by state, completed ones on time or late, working days
    from acceptance to completion gross and net of suspensions. With ``clocks=False`` (and no
    grouping by a clock's column) no clock is computed: only the measures that need none
    (``count``, ``completed``, ``in_progress``, ``approved``, ``rejected``) are filled, over the
    same filings; the clock's counts are 0 and its days null."""
    supervision = scope.supervision
    store = supervision.clock.store
    f = tables.filings
    # Aliases, so that correlated subqueries of the filter keep their own FROM.
    m = tables.matters.alias("stats_matter")
    p = tables.projects.alias("stats_project")
    where = condition(filter, scope)
    # Only the clocks of the filings the filter keeps: a week's acceptances need a few hundred.
    clock = supervision.clock.table(as_of, None if filter is None else where)
    state = clock.c.state
    completed = state.in_(COMPLETED_STATES)
    days: ColumnElement[Any] = case((completed, clock.c.elapsed))
    net_days: ColumnElement[Any] = case((completed, clock.c.elapsed - clock.c.suspended))
    suspended: ColumnElement[Any] = case((completed, clock.c.suspended))
    # Each step a filing went through by the day, once: grouping by STEP counts a filing in
    # every step it passed (and in no step, null, before its first event).
    e = tables.process_events
    steps = (
        select(e.c.filing_key, e.c.step)
        .where(live(e), scope.related("process_event", e), e.c.occurred_at < cutoff(as_of))
        .distinct()
        .subquery("stats_steps")
    )
    keys: dict[FilingGroup, ColumnElement[Any]] = {
        FilingGroup.DEPARTMENT: func.coalesce(f.c.department_code, m.c.department_code),
        FilingGroup.MATTER: f.c.matter_code,
        FilingGroup.STATUS: f.c.status,
        FilingGroup.STAGE: m.c.stage,
        FilingGroup.DISTRICT: p.c.district,
        FilingGroup.CATEGORY: p.c.category,
        FilingGroup.MONTH: month_of(store, func.coalesce(f.c.accepted_at, f.c.submitted_at)),
        FilingGroup.CURRENT_STEP: clock.c.current_step,
        FilingGroup.SLA_STATE: state,
        FilingGroup.STEP: steps.c.step,
    }
    chosen = [(group, keys[group].label(group.value)) for group in _unique(group_by)]
    clocked = clocks or bool(CLOCK_GROUPS & set(group_by))
    counts = {
        name: (_count_if(state == value.value) if clocked else literal(0)).label(name)
        for name, value in SLA_COUNTS
    }
    joined: FromClause
    on_clock: ColumnElement[bool]
    if clocked:
        joined = f.join(clock, clock.c.key == f.c.key)
        on_clock = true()
    else:  # the filings the clock would have had a row for, without their clocks
        joined, on_clock = f, supervision.clock.on_clock(as_of)
        days = net_days = suspended = null()
    if FilingGroup.STEP in group_by:
        joined = joined.outerjoin(steps, steps.c.filing_key == f.c.key)
    query = (
        select(
            *(label for _, label in chosen),
            func.count().label("count"),
            _count_if(f.c.status.in_(COMPLETED)).label("completed"),
            _count_if(f.c.status.in_(IN_PROGRESS)).label("in_progress"),
            _count_if(f.c.status == S.APPROVED.value).label("approved"),
            _count_if(f.c.status == S.REJECTED.value).label("rejected"),
            *counts.values(),
            func.min(days).label("min_days"),
            func.avg(cast(days, Float)).label("avg_days"),
            func.max(days).label("max_days"),
            func.avg(cast(net_days, Float)).label("avg_net_days"),
            func.avg(cast(suspended, Float)).label("avg_suspended"),
        )
        .select_from(
            joined.outerjoin(m, and_(m.c.code == f.c.matter_code, live(m))).outerjoin(
                p, and_(p.c.code == f.c.project_code, live(p))
            )
        )
        .where(live(f), where, on_clock)
    )
    rows = await _grouped_rows(store, query, keys, chosen)
    grouped = {group for group, _ in chosen}

    def key(row: Any, group: FilingGroup) -> Any:
        return getattr(row, group.value) if group in grouped else None

    return [
        FilingStats(
            department_code=key(row, FilingGroup.DEPARTMENT),
            matter_code=key(row, FilingGroup.MATTER),
            status=to_enum(entities.FilingStatus, key(row, FilingGroup.STATUS)),
            stage=to_enum(entities.Stage, key(row, FilingGroup.STAGE)),
            district=District.of(key(row, FilingGroup.DISTRICT)),
            category=to_enum(entities.ProjectCategory, key(row, FilingGroup.CATEGORY)),
            month=key(row, FilingGroup.MONTH),
            current_step=to_enum(entities.EventStep, key(row, FilingGroup.CURRENT_STEP)),
            step=to_enum(entities.EventStep, key(row, FilingGroup.STEP)),
            sla_state=to_enum(SlaState, key(row, FilingGroup.SLA_STATE)),
            as_of=as_of,
            count=int(row.count),
            completed=int(row.completed),
            in_progress=int(row.in_progress),
            approved=int(row.approved),
            rejected=int(row.rejected),
            **{name: int(getattr(row, name)) for name in counts},
            min_processing_days=None if row.min_days is None else int(row.min_days),
            avg_processing_days=_rounded(row.avg_days),
            max_processing_days=None if row.max_days is None else int(row.max_days),
            avg_net_processing_days=_rounded(row.avg_net_days),
            avg_suspended_days=_rounded(row.avg_suspended),
        )
        for row in rows
    ]


async def project_stats(
    scope: FilterScope, group_by: Sequence[ProjectGroup], filter: ProjectFilter | None
) -> list[ProjectStats]:
    store = scope.supervision.clock.store
    p = tables.projects

    def shown(name: str) -> ColumnElement[Any]:  # as the viewer reads it (hub.policy)
        return scope.field("project", name, p.c[name])

    investment = shown("total_investment")
    keys: dict[ProjectGroup, ColumnElement[Any]] = {
        ProjectGroup.DISTRICT: shown("district"),
        ProjectGroup.CATEGORY: shown("category"),
        ProjectGroup.FUNDING: shown("funding"),
        ProjectGroup.STATUS: shown("status"),
        ProjectGroup.MONTH: month_of(store, shown("registered_at")),
    }
    chosen = [(group, keys[group].label(group.value)) for group in _unique(group_by)]
    query = select(
        *(label for _, label in chosen),
        func.count().label("count"),
        _count_if(p.c.status == P.COMPLETED.value).label("completed"),
        _count_if(p.c.status.in_(PROJECT_IN_PROGRESS)).label("in_progress"),
        func.sum(investment).label("total_investment"),
        func.avg(investment).label("avg_investment"),
    ).where(live(p), condition(filter, scope))
    rows = await _grouped_rows(store, query, keys, chosen)
    grouped = {group for group, _ in chosen}

    def key(row: Any, group: ProjectGroup) -> Any:
        return getattr(row, group.value) if group in grouped else None

    return [
        ProjectStats(
            district=District.of(key(row, ProjectGroup.DISTRICT)),
            category=to_enum(entities.ProjectCategory, key(row, ProjectGroup.CATEGORY)),
            funding=to_enum(entities.Funding, key(row, ProjectGroup.FUNDING)),
            status=to_enum(entities.ProjectStatus, key(row, ProjectGroup.STATUS)),
            month=key(row, ProjectGroup.MONTH),
            count=int(row.count),
            completed=int(row.completed),
            in_progress=int(row.in_progress),
            total_investment=None
            if row.total_investment is None
            else round(float(row.total_investment), 2),
            avg_investment=None
            if row.avg_investment is None
            else round(float(row.avg_investment), 2),
        )
        for row in rows
    ]
