"""``stepStats`` and ``leadTimeStats`` (督办, issue 10): how many working days filings spend in
each step of their process, and projects from their first filing of one stage to the approval
that completes another. Each answer is one SQL statement, percentiles included.

Median and p90 are nearest-rank percentiles: of a group's ``n`` durations sorted ascending, the
one at rank ``ceil(q·n)`` (so always a duration that occurred, never an interpolation), picked with
``row_number()`` and ``count()`` windows over the group. Working days are the calendar's: the
days ``d`` with ``start < d <= end``, in China time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Float, Integer, Select, and_, case, cast, func, select, true
from sqlalchemy.sql.elements import ColumnElement, Label
from sqlalchemy.sql.selectable import Subquery

from hub import entities, tables
from hub.calendar import WorkingCalendar
from hub.store import Store
from schema.live import live
from schema.stats import _rounded, _unique, china_part
from schema.types.district import District
from schema.types.enums import to_enum
from schema.types.lead_time import LeadTimeGroup, LeadTimeStats
from schema.types.step_stats import StepGroup, StepStats


def _year_of(store: Store, column: ColumnElement[Any]) -> ColumnElement[int]:
    """The year of a stored time, in China time."""
    return cast(china_part(store, column, "%Y", "YYYY"), Integer)


def _distribution(rows: Subquery, keys: Sequence[str]) -> Select[Any]:
    """Count, average, nearest-rank median and p90, and maximum of ``rows.c.days`` per group of
    ``keys`` (columns of ``rows``), ordered by the keys, nulls last."""
    group = [rows.c[key] for key in keys]
    days = rows.c.days
    ranked = select(
        *group,
        days,
        func.row_number().over(partition_by=group or None, order_by=days).label("rank"),
        func.count().over(partition_by=group or None).label("n"),
    ).subquery("ranked")
    n, rank = ranked.c.n, ranked.c.rank

    def at_rank(wanted: ColumnElement[int]) -> ColumnElement[int]:
        return func.max(case((rank == wanted, ranked.c.days)))

    ranked_keys = [ranked.c[key] for key in keys]
    return (
        select(
            *ranked_keys,
            func.count().label("count"),
            func.avg(cast(ranked.c.days, Float)).label("avg_days"),
            at_rank((n + 1) // 2).label("median_days"),  # ceil(n/2) in integers
            at_rank((9 * n + 9) // 10).label("p90_days"),  # ceil(9n/10)
            func.max(ranked.c.days).label("max_days"),
        )
        .group_by(*ranked_keys)
        # Both backends put a null key last (SQLite would put it first by default).
        .order_by(*(key.asc().nulls_last() for key in ranked_keys))
    )


def _measures(row: Any) -> dict[str, Any]:
    """A row's measures; without grouping an empty answer is one row of count 0 and nulls."""
    return {
        "count": int(row.count),
        "avg_working_days": _rounded(row.avg_days),
        "median_working_days": _whole(row.median_days),
        "p90_working_days": _whole(row.p90_days),
        "max_working_days": _whole(row.max_days),
    }


def _whole(value: Any) -> int | None:
    return None if value is None else int(value)


async def step_stats(
    store: Store,
    calendar: WorkingCalendar,
    group_by: Sequence[StepGroup],
    filter_condition: ColumnElement[bool],
    visible: Callable[[Any], ColumnElement[bool]] = lambda _: true(),
) -> list[StepStats]:
    """Working days per step, grouped: a step lasts from its event to the filing's next event
    (by time, then key); a filing's last event has no duration yet and is left out.
    ``visible``: the events (of the table given) the viewer may read."""
    e, f = tables.process_events, tables.filings
    # An alias, so that correlated subqueries of the filter keep their own FROM.
    m = tables.matters.alias("step_matter")
    events = (
        select(
            e.c.filing_key,
            e.c.step,
            e.c.division,
            e.c.occurred_at,
            func.lead(e.c.occurred_at)
            .over(partition_by=e.c.filing_key, order_by=(e.c.occurred_at, e.c.key))
            .label("next_at"),
        )
        .where(live(e), visible(e))
        .subquery("step_events")
    )
    columns: dict[StepGroup, ColumnElement[Any]] = {
        StepGroup.DEPARTMENT: func.coalesce(f.c.department_code, m.c.department_code),
        StepGroup.DIVISION: events.c.division,
        StepGroup.STEP: events.c.step,
        StepGroup.MATTER: f.c.matter_code,
    }
    chosen = _unique(group_by)
    durations = (
        select(
            *(columns[group].label(group.value) for group in chosen),
            (
                calendar.sql_index(store, events.c.next_at)
                - calendar.sql_index(store, events.c.occurred_at)
            ).label("days"),
        )
        .select_from(
            events.join(f, and_(f.c.key == events.c.filing_key, live(f))).outerjoin(
                m, and_(m.c.code == f.c.matter_code, live(m))
            )
        )
        .where(events.c.next_at.is_not(None), filter_condition)
        .subquery("step_durations")
    )
    async with store.read() as conn:
        rows = (await conn.execute(_distribution(durations, [g.value for g in chosen]))).all()

    def key(row: Any, group: StepGroup) -> Any:
        return getattr(row, group.value) if group in chosen else None

    return [
        StepStats(
            department_code=key(row, StepGroup.DEPARTMENT),
            division=key(row, StepGroup.DIVISION),
            step=to_enum(entities.EventStep, key(row, StepGroup.STEP)),
            matter_code=key(row, StepGroup.MATTER),
            **_measures(row),
        )
        for row in rows
    ]


def _lead_times(
    store: Store,
    calendar: WorkingCalendar,
    from_stage: entities.Stage,
    to_stage: entities.Stage,
    columns: Sequence[Label[Any]],
    filter_condition: ColumnElement[bool],
) -> Subquery:
    """Per project that reached ``to_stage`` no earlier than it started ``from_stage``: the
    labelled ``columns`` (over ``tables.projects``) and its lead time in working ``days``."""
    f, p = tables.filings, tables.projects
    m = tables.matters.alias("lead_matter")

    def per_project(moment: ColumnElement[Any], stage: entities.Stage, name: str) -> Subquery:
        return (
            select(f.c.project_code, func.min(moment).label("at"))
            .select_from(f.join(m, and_(m.c.code == f.c.matter_code, live(m))))
            .where(live(f), m.c.stage == stage.value)
            .group_by(f.c.project_code)
            .subquery(name)
        )

    started = per_project(f.c.submitted_at, from_stage, "lead_start")
    approved = case((f.c.status == entities.FilingStatus.APPROVED.value, f.c.completed_at))
    reached = per_project(approved, to_stage, "lead_end")
    return (
        select(
            *columns,
            (
                calendar.sql_index(store, reached.c.at) - calendar.sql_index(store, started.c.at)
            ).label("days"),
        )
        .select_from(
            p.join(started, started.c.project_code == p.c.code).join(
                reached, reached.c.project_code == p.c.code
            )
        )
        .where(live(p), reached.c.at >= started.c.at, filter_condition)
        .subquery("lead_times")
    )


async def lead_time_stats(
    store: Store,
    calendar: WorkingCalendar,
    from_stage: entities.Stage,
    to_stage: entities.Stage,
    group_by: Sequence[LeadTimeGroup],
    filter_condition: ColumnElement[bool],
) -> list[LeadTimeStats]:
    """Working days from a project's first filing of ``from_stage`` (earliest submission) to
    the completion of its first approved filing of ``to_stage``, grouped."""
    p = tables.projects
    columns: dict[LeadTimeGroup, ColumnElement[Any]] = {
        LeadTimeGroup.CATEGORY: p.c.category,
        LeadTimeGroup.FUNDING: p.c.funding,
        LeadTimeGroup.DISTRICT: p.c.district,
        LeadTimeGroup.YEAR: _year_of(store, p.c.registered_at),
    }
    chosen = _unique(group_by)
    leads = _lead_times(
        store,
        calendar,
        from_stage,
        to_stage,
        [columns[group].label(group.value) for group in chosen],
        filter_condition,
    )
    async with store.read() as conn:
        rows = (await conn.execute(_distribution(leads, [g.value for g in chosen]))).all()

    def key(row: Any, group: LeadTimeGroup) -> Any:
        return getattr(row, group.value) if group in chosen else None

    return [
        LeadTimeStats(
            category=to_enum(entities.ProjectCategory, key(row, LeadTimeGroup.CATEGORY)),
            funding=to_enum(entities.Funding, key(row, LeadTimeGroup.FUNDING)),
            district=District.of(key(row, LeadTimeGroup.DISTRICT)),
            year=key(row, LeadTimeGroup.YEAR),
            **_measures(row),
        )
        for row in rows
    ]


async def project_lead_time(
    store: Store,
    calendar: WorkingCalendar,
    code: str,
    from_stage: entities.Stage,
    to_stage: entities.Stage,
) -> int | None:
    """``Project.leadTime``: one project's lead time as ``leadTimeStats`` counts it (None if it
    has not reached ``to_stage``, or reached it before it started ``from_stage``)."""
    leads = _lead_times(store, calendar, from_stage, to_stage, [], tables.projects.c.code == code)
    async with store.read() as conn:
        days = (await conn.execute(select(leads.c.days))).scalar_one_or_none()
    return None if days is None else int(days)
