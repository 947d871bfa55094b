"""Idle projects (项目滞后): which projects have stalled as of a day, since when, and why, in SQL.

The rule, one for every read of it (``Project.idle``, the ``idle`` filter, ``idleStats``):

- a project's **last activity** is the latest instant, by the end of the as-of day (China time),
  of any of its filings' submission, acceptance or completion, their process steps or their
  outcomes' issue; ``lastActivityOn`` is that instant's China day;
- a project is **idle** as of day D for M months when its last activity (its registration, if it
  has no filing yet) is before the day D − M months (calendar months, the day clamped to the
  month's end), and it is not **finished** (an approved filing of the COMPLETION_ACCEPTANCE stage
  by D), not **withdrawn** (it has filings by D and every one is WITHDRAWN) and, unless
  ``[idle] count_under_construction``, not **building** (an approved CONSTRUCTION_PERMIT filing
  by D: until completion there is nothing to file);
- its **cause**: the latest annotation (``project_annotation``) noted by D since the idle spell
  began, marked ANNOTATED; else the first ``[idle]`` rule that matches its **next required
  matter**, marked INFERRED (the default cause when none matches or there is no next matter);
- its next required matter (``next_matters``): of the matters it has an open filing of (OPEN,
  or SUPPLEMENT while the filing waits for the applicant), then the ones it was refused and did
  not get since (REJECTED), then the ones whose prerequisites it has all approved but which it
  has not filed (NOT_FILED), the first by that order, the stage's rank and the matter code.

``IdleRule.table`` builds one subquery of every idle project; each read selects from it.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from hub import tables
from hub.clock import utcnow
from hub.config import CauseRule, IdleConfig
from hub.entities import FilingStatus, Stage
from hub.errors import HubError
from hub.sla import china_today, cutoff
from hub.store import Store


class CauseSource(enum.Enum):
    ANNOTATED = "ANNOTATED"  # a supervisor or the owner said so
    INFERRED = "INFERRED"  # concluded from the next required matter by the [idle] rules


class IdleQueryError(HubError, ValueError):
    """Raised when an idle question cannot be answered as asked (an as-of day in the future,
    a window of no months); the message names the argument and what it got."""

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        super().__init__(f"{argument}: {problem}")


# The order of the stages on a project's path (parallel matters run alongside stage 2).
STAGE_RANK = {
    Stage.LAND_PLANNING: 1,
    Stage.ENGINEERING_PERMIT: 2,
    Stage.PARALLEL: 3,
    Stage.CONSTRUCTION_PERMIT: 4,
    Stage.COMPLETION_ACCEPTANCE: 5,
}
# The ways a project can stand with its next matter, first the ones it is stuck in.
WAITING_RANK = {"OPEN": 1, "SUPPLEMENT": 1, "REJECTED": 2, "NOT_FILED": 3}


def months_before(day: date, months: int) -> date:
    """``day`` less ``months`` calendar months, the day clamped to that month's last."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def check_question(as_of: date, months: int, today: date | None = None) -> None:
    """An as-of day in the future or a window of no months has no answer."""
    today = today or china_today(utcnow())
    if as_of > today:
        raise IdleQueryError(
            "asOf", f"{as_of} is in the future (today is {today} in China); ask about a past day"
        )
    if months <= 0:
        raise IdleQueryError("months", f"must be 1 or more, not {months}")


@dataclass(frozen=True, slots=True)
class ProjectIdle:
    """One idle project as of a day (a row of ``IdleRule.table``)."""

    code: str
    as_of: date
    months: int
    since: date  # the day of its last activity (or registration)
    last_activity_at: datetime | None
    cause: str
    cause_source: CauseSource
    inferred_cause: str
    annotation_key: str | None
    next_matter_code: str | None
    waiting: str | None

    @property
    def days(self) -> int:
        return (self.as_of - self.since).days


class IdleRule:
    """Builds the SQL of idle projects on one store with the ``[idle]`` config."""

    def __init__(self, store: Store, config: IdleConfig | None = None) -> None:
        self.store = store
        self.config = config or IdleConfig()

    # -- last activity -------------------------------------------------------------------------

    def activity(self, end: datetime | None = None, codes: list[str] | None = None) -> Subquery:
        """Per project code, its latest activity before ``end`` (None: ever): ``code``, ``at``."""
        f, e, o = tables.filings, tables.process_events, tables.outcomes

        def branch(at: ColumnElement[Any], *joined: Any) -> Any:
            query = select(f.c.project_code.label("code"), at.label("at"))
            for table in joined:
                query = query.join_from(f, table, table.c.filing_key == f.c.key)
                query = query.where(table.c.deleted_at.is_(None))
            query = query.where(f.c.deleted_at.is_(None), at.is_not(None))
            if end is not None:
                query = query.where(at < end)
            if codes is not None:
                query = query.where(f.c.project_code.in_(codes))
            return query

        instants = union_all(
            branch(f.c.submitted_at),
            branch(f.c.accepted_at),
            branch(f.c.completed_at),
            branch(e.c.occurred_at, e),
            branch(o.c.issued_at, o),
        ).subquery("activities")
        return (
            select(instants.c.code, func.max(instants.c.at).label("at"))
            .group_by(instants.c.code)
            .subquery("last_activity")
        )

    async def last_activity(self, codes: list[str]) -> dict[str, datetime]:
        """The latest activity of each of the projects ``codes``, in one statement."""
        activity = self.activity(codes=codes)
        async with self.store.read() as conn:
            rows = await conn.execute(select(activity))
            return {row.code: row.at for row in rows}

    # -- idle projects -------------------------------------------------------------------------

    def table(self, as_of: date, months: int, codes: list[str] | None = None) -> Subquery:
        """Every idle project as of ``as_of`` (of ``codes`` only, when given): ``code``,
        ``last_activity_at``, ``since_at``, ``cause``, ``cause_source``, ``inferred_cause``,
        ``annotation_key``, ``next_matter_code``, ``waiting``."""
        p, f, m = tables.projects, tables.filings, tables.matters
        end = cutoff(as_of)
        spell_starts = cutoff(months_before(as_of, months)) - timedelta(days=1)
        activity = self.activity(end, codes)
        since = func.coalesce(activity.c.at, p.c.registered_at)

        def has_approved(stage: Stage) -> ColumnElement[bool]:
            return exists().where(
                f.c.project_code == p.c.code,
                f.c.deleted_at.is_(None),
                f.c.status == FilingStatus.APPROVED.value,
                f.c.completed_at < end,
                m.c.code == f.c.matter_code,
                m.c.stage == stage.value,
            )

        filed = and_(f.c.project_code == p.c.code, f.c.deleted_at.is_(None), f.c.submitted_at < end)
        withdrawn = and_(
            exists().where(filed),
            not_(exists().where(filed, f.c.status != FilingStatus.WITHDRAWN.value)),
        )
        excluded = [has_approved(Stage.COMPLETION_ACCEPTANCE), withdrawn]
        if not self.config.count_under_construction:
            excluded.append(has_approved(Stage.CONSTRUCTION_PERMIT))
        stalled = (
            select(
                p.c.code.label("code"),
                activity.c.at.label("last_activity_at"),
                since.label("since_at"),
            )
            .select_from(p.outerjoin(activity, activity.c.code == p.c.code))
            .where(
                p.c.deleted_at.is_(None),
                or_(p.c.registered_at.is_(None), p.c.registered_at < end),
                since < spell_starts,
                *(not_(condition) for condition in excluded),
            )
        )
        if codes is not None:
            stalled = stalled.where(p.c.code.in_(codes))
        # A CTE: the idle set is computed once, not again inside each lookup of its next matter.
        idle = stalled.cte()
        nexts = self.next_matters(end, select(idle.c.code))
        inferred = func.coalesce(
            case(*self._rules(nexts.c), else_=None), literal(self.config.default_cause, String())
        )
        a = tables.project_annotations
        latest = (
            select(a.c.key, a.c.cause)
            .where(
                a.c.project_code == idle.c.code,
                a.c.deleted_at.is_(None),
                a.c.noted_at < end,
                a.c.noted_at >= idle.c.since_at,
            )
            .order_by(a.c.noted_at.desc(), a.c.key.desc())
            .limit(1)
            .correlate(idle)
        )
        annotated = latest.with_only_columns(a.c.cause).scalar_subquery()
        annotation_key = latest.with_only_columns(a.c.key).scalar_subquery()
        facts = (
            select(
                idle.c.code,
                idle.c.last_activity_at,
                idle.c.since_at,
                inferred.label("inferred_cause"),
                annotated.label("annotated_cause"),
                annotation_key.label("annotation_key"),
                nexts.c.matter_code.label("next_matter_code"),
                nexts.c.waiting,
            )
            .select_from(idle.outerjoin(nexts, nexts.c.project_code == idle.c.code))
            .offset(0)
            .subquery("idle_facts")
        )
        c = facts.c
        return select(
            c.code,
            c.last_activity_at,
            c.since_at,
            func.coalesce(c.annotated_cause, c.inferred_cause).label("cause"),
            case(
                (c.annotated_cause.is_not(None), CauseSource.ANNOTATED.value),
                else_=CauseSource.INFERRED.value,
            ).label("cause_source"),
            c.inferred_cause,
            c.annotation_key,
            c.next_matter_code,
            c.waiting,
        ).subquery("idle_projects")

    def _rules(self, next_matter: Any) -> list[tuple[ColumnElement[bool], ColumnElement[str]]]:
        """The ``[idle]`` rules as CASE branches over the next matter's columns, in order."""
        return [
            (self._matches(rule, next_matter), literal(rule.cause, String()))
            for rule in self.config.rules
        ]

    @staticmethod
    def _matches(rule: CauseRule, next_matter: Any) -> ColumnElement[bool]:
        terms: list[ColumnElement[bool]] = [next_matter.matter_code.is_not(None)]
        if rule.matters:
            terms.append(next_matter.matter_code.in_(rule.matters))
        if rule.name_contains:
            terms.append(
                or_(
                    *(
                        next_matter.name.contains(text, autoescape=True)
                        for text in rule.name_contains
                    )
                )
            )
        if rule.stages:
            terms.append(next_matter.stage.in_([s.value for s in rule.stages]))
        if rule.waiting:
            terms.append(next_matter.waiting.in_(rule.waiting))
        return and_(true(), *terms)

    # -- the next required matter --------------------------------------------------------------

    def prerequisite_pairs(self) -> Subquery:
        """(``matter_code``, ``prerequisite_code``) of the live catalogue: each matter's
        ``prerequisites`` link (hub.entities.MATTER) as rows."""
        m = tables.matters
        function = (
            func.json_each(m.c.prerequisites)
            if self.store.is_sqlite
            else func.json_array_elements_text(m.c.prerequisites)
        )
        element = function.table_valued("value", joins_implicitly=True).alias("prerequisite")
        return (
            select(
                m.c.code.label("matter_code"),
                element.c.value.label("prerequisite_code"),
            )
            .select_from(m)
            .join(element, true())
            .where(m.c.deleted_at.is_(None), m.c.prerequisites.is_not(None))
            .subquery("prerequisite_pairs")
        )

    def next_matters(self, end: datetime, projects: Any) -> Subquery:
        """Per project of the ``projects`` select (one column of codes), its next required
        matter as of ``end`` (see the module docstring): ``project_code``, ``matter_code``,
        ``name``, ``stage``, ``waiting``. One place, so that it can later share a prerequisite
        engine."""
        f, m = tables.filings, tables.matters
        mine = and_(f.c.deleted_at.is_(None), f.c.project_code.in_(projects))
        approved = (
            select(f.c.project_code, f.c.matter_code)
            .where(mine, f.c.status == FilingStatus.APPROVED.value, f.c.completed_at < end)
            .distinct()
            .subquery("approved")
        )
        got = exists().where(
            approved.c.project_code == f.c.project_code,
            approved.c.matter_code == f.c.matter_code,
        )
        open_ = select(
            f.c.project_code,
            f.c.matter_code,
            case((f.c.status == FilingStatus.SUPPLEMENT.value, "SUPPLEMENT"), else_="OPEN").label(
                "waiting"
            ),
        ).where(
            mine,
            f.c.submitted_at < end,
            or_(f.c.completed_at.is_(None), f.c.completed_at >= end),
            f.c.status != FilingStatus.WITHDRAWN.value,
        )
        refused = select(
            f.c.project_code, f.c.matter_code, literal("REJECTED", String()).label("waiting")
        ).where(
            mine,
            f.c.status == FilingStatus.REJECTED.value,
            f.c.completed_at < end,
            not_(got),
        )
        pairs = self.prerequisite_pairs()
        needed = (
            select(pairs.c.matter_code, func.count().label("needed"))
            .group_by(pairs.c.matter_code)
            .subquery("needed")
        )
        unlocked = (
            select(
                approved.c.project_code,
                pairs.c.matter_code,
                literal("NOT_FILED", String()).label("waiting"),
            )
            .select_from(
                pairs.join(approved, approved.c.matter_code == pairs.c.prerequisite_code).join(
                    needed, needed.c.matter_code == pairs.c.matter_code
                )
            )
            .group_by(approved.c.project_code, pairs.c.matter_code, needed.c.needed)
            .having(func.count(func.distinct(pairs.c.prerequisite_code)) == needed.c.needed)
        )
        candidates = union_all(open_, refused, unlocked).subquery("candidates")
        filed = exists().where(
            f.c.project_code == candidates.c.project_code,
            f.c.matter_code == candidates.c.matter_code,
            f.c.deleted_at.is_(None),
            f.c.submitted_at < end,
        )
        waiting_rank = case(
            *((candidates.c.waiting == name, rank) for name, rank in WAITING_RANK.items()),
            else_=9,
        )
        stage_rank = case(
            *((m.c.stage == stage.value, rank) for stage, rank in STAGE_RANK.items()), else_=9
        )
        ranked = (
            select(
                candidates.c.project_code,
                candidates.c.matter_code,
                m.c.name,
                m.c.stage,
                candidates.c.waiting,
                func.row_number()
                .over(
                    partition_by=candidates.c.project_code,
                    order_by=(waiting_rank, stage_rank, candidates.c.matter_code),
                )
                .label("place"),
            )
            .select_from(candidates.join(m, m.c.code == candidates.c.matter_code))
            .where(
                m.c.deleted_at.is_(None),
                or_(candidates.c.waiting != "NOT_FILED", not_(filed)),
            )
            .subquery("ranked")
        )
        return (
            select(
                ranked.c.project_code,
                ranked.c.matter_code,
                ranked.c.name,
                ranked.c.stage,
                ranked.c.waiting,
            )
            .where(ranked.c.place == literal(1, Integer()))
            .subquery("next_matter")
        )

    # -- reads ---------------------------------------------------------------------------------

    def idle(self, row: Any, as_of: date, months: int) -> ProjectIdle:
        """A ``ProjectIdle`` from a row of ``table``."""
        return ProjectIdle(
            code=row.code,
            as_of=as_of,
            months=months,
            since=china_today(row.since_at),
            last_activity_at=row.last_activity_at,
            cause=row.cause,
            cause_source=CauseSource(row.cause_source),
            inferred_cause=row.inferred_cause,
            annotation_key=row.annotation_key,
            next_matter_code=row.next_matter_code,
            waiting=row.waiting,
        )

    async def of(self, codes: list[str], as_of: date, months: int) -> dict[str, ProjectIdle]:
        """The idle ones of the projects ``codes`` as of ``as_of``, in one statement."""
        table = self.table(as_of, months, codes)
        async with self.store.read() as conn:
            rows = await conn.execute(select(table))
            return {row.code: self.idle(row, as_of, months) for row in rows}
