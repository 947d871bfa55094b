"""The quality scorecard per department (数据质量): timeliness, completeness, consistency and
freshness as of a business day, and each one's change over the week before.

- timeliness: of the department's filings completed by the day, the share completed within
  their time limit (the clock of ``hub.sla``);
- completeness: of its filings submitted by the day plus the rows its connectors had rejected,
  the share stored with what the catalogue needs: a known matter, the acceptance time once
  accepted, the completion time once closed, and for an approval an outcome with its document
  number and issue time;
- consistency: open data-check findings (``hub.checks``) about its records of the day, per
  thousand of those records (filings and their outcomes);
- freshness: hours since the last successful sync of its connectors (at the moment of the
  report; for the week before, a week earlier).

Each measure is one statement for every department at once, whatever their number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, and_, case, exists, func, literal, or_, select

from hub import tables
from hub.entities import FilingStatus
from hub.sla import FilingClock, SlaState, cutoff
from hub.store import Store

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Scores:
    """One department's measures at one moment (None: nothing to measure)."""

    timeliness: float | None
    completeness: float | None
    consistency: float | None  # open findings per thousand records
    freshness_hours: float | None
    records: int


@dataclass(frozen=True, slots=True)
class Scorecard:
    department_code: str
    as_of: date
    now: Scores
    week_before: Scores

    def trend(self, name: str) -> float | None:
        """The change of measure ``name`` over the week (None if either side is missing)."""
        current, before = getattr(self.now, name), getattr(self.week_before, name)
        return None if current is None or before is None else current - before


class QualityScores:
    """Computes scorecards over one store (``clock`` is the deployment's filing clock,
    ``connectors`` each connector's department: a department without a connector of its own
    files through those without one, e.g. the shared platform)."""

    def __init__(
        self, store: Store, clock: FilingClock, connectors: Mapping[str, str | None]
    ) -> None:
        self.store = store
        self.clock = clock
        self.connectors = dict(connectors)

    async def scorecards(self, as_of: date, now: datetime) -> list[Scorecard]:
        current = await self._scores(as_of, now)
        before = await self._scores(as_of - WEEK, now - WEEK)
        empty = Scores(None, None, None, None, 0)
        return [
            Scorecard(code, as_of, current.get(code, empty), before.get(code, empty))
            for code in sorted(set(current) | set(before))
        ]

    async def _scores(self, as_of: date, now: datetime) -> dict[str, Scores]:
        async with self.store.read() as conn:
            departments = [
                code
                for (code,) in await conn.execute(
                    select(tables.departments.c.code).where(
                        tables.departments.c.deleted_at.is_(None)
                    )
                )
            ]
            timeliness = await self._ratio(conn, self._timeliness(as_of))
            completeness = await self._completeness(conn, as_of)
            consistency, records = await self._consistency(conn, as_of)
            freshness = await self._freshness(conn, now, departments)
        return {
            code: Scores(
                timeliness.get(code),
                completeness.get(code),
                consistency.get(code),
                freshness.get(code),
                records.get(code, 0),
            )
            for code in departments
        }

    def _department(self) -> Any:
        f, m = tables.filings, tables.matters
        return func.coalesce(f.c.department_code, m.c.department_code)

    def _filings(self, as_of: date) -> Any:
        """Live filings submitted by the end of ``as_of``, with their matter (outer)."""
        f, m = tables.filings, tables.matters
        return (
            f.outerjoin(m, and_(m.c.code == f.c.matter_code, m.c.deleted_at.is_(None))),
            and_(
                f.c.deleted_at.is_(None),
                f.c.submitted_at < literal(cutoff(as_of), DateTime()),
            ),
        )

    def _timeliness(self, as_of: date) -> Any:
        clock = self.clock.table(as_of)
        f, m = tables.filings, tables.matters
        on_time = func.sum(case((clock.c.state == SlaState.COMPLETED_ON_TIME.value, 1), else_=0))
        done = (SlaState.COMPLETED_ON_TIME.value, SlaState.COMPLETED_LATE.value)
        return (
            select(self._department(), on_time, func.count())
            .select_from(
                clock.join(f, f.c.key == clock.c.key).outerjoin(
                    m, and_(m.c.code == f.c.matter_code, m.c.deleted_at.is_(None))
                )
            )
            .where(clock.c.state.in_(done))
            .group_by(self._department())
        )

    async def _ratio(self, conn: Any, query: Any) -> dict[str, float]:
        return {code: good / total for code, good, total in await conn.execute(query) if total}

    async def _completeness(self, conn: Any, as_of: date) -> dict[str, float]:
        f, m, o = tables.filings, tables.matters, tables.outcomes
        joined, live = self._filings(as_of)
        documented = exists().where(
            o.c.filing_key == f.c.key,
            o.c.deleted_at.is_(None),
            o.c.document_number.is_not(None),
            o.c.issued_at.is_not(None),
        )
        closed = (FilingStatus.APPROVED.value, FilingStatus.REJECTED.value)
        incomplete = or_(
            m.c.code.is_(None),
            and_(f.c.status.not_in((FilingStatus.SUBMITTED.value,)), f.c.accepted_at.is_(None)),
            and_(f.c.status.in_(closed), f.c.completed_at.is_(None)),
            and_(f.c.status == FilingStatus.APPROVED.value, ~documented),
        )
        query = (
            select(self._department(), func.sum(case((incomplete, 0), else_=1)), func.count())
            .select_from(joined)
            .where(live)
            .group_by(self._department())
        )
        complete = {code: (good, total) for code, good, total in await conn.execute(query)}
        r = tables.rejects
        rejected = dict(
            (await conn.execute(select(r.c.connector, func.count()).group_by(r.c.connector))).all()
        )
        for connector, department in self.connectors.items():
            if department and rejected.get(connector):
                good, total = complete.get(department, (0, 0))
                complete[department] = (good, total + rejected[connector])
        return {code: good / total for code, (good, total) in complete.items() if total}

    async def _consistency(self, conn: Any, as_of: date) -> tuple[dict[str, float], dict[str, int]]:
        f, o, t = tables.filings, tables.outcomes, tables.findings
        joined, live = self._filings(as_of)
        outcomes = (
            select(func.count())
            .where(o.c.filing_key == f.c.key, o.c.deleted_at.is_(None))
            .correlate(f)
            .scalar_subquery()
        )
        # Open findings about those filings or their outcomes, per department responsible.
        found = (
            select(func.count())
            .where(
                t.c.resolved_at.is_(None),
                or_(
                    and_(t.c.entity == "filing", t.c.entity_key == f.c.key),
                    and_(
                        t.c.entity == "outcome",
                        t.c.entity_key.in_(
                            select(o.c.key).where(o.c.filing_key == f.c.key).correlate(f)
                        ),
                    ),
                ),
            )
            .correlate(f)
            .scalar_subquery()
        )
        query = (
            select(self._department(), func.count() + func.sum(outcomes), func.sum(found))
            .select_from(joined)
            .where(live)
            .group_by(self._department())
        )
        scores, records = {}, {}
        for code, count, findings in await conn.execute(query):
            records[code] = int(count)
            scores[code] = 1000 * int(findings or 0) / int(count)
        return scores, records

    async def _freshness(
        self, conn: Any, now: datetime, departments: list[str]
    ) -> dict[str, float]:
        runs = tables.sync_runs
        query = (
            select(runs.c.connector, func.max(runs.c.finished_at))
            .where(runs.c.state.in_(("succeeded", "partial")), runs.c.finished_at <= now)
            .group_by(runs.c.connector)
        )
        last: Mapping[str, datetime] = dict((await conn.execute(query)).all())
        lag: dict[str | None, float] = {}
        for connector, department in self.connectors.items():
            at = last.get(connector)
            if at is not None:
                hours = (now - at).total_seconds() / 3600
                lag[department] = max(lag.get(department, 0.0), hours)
        shared = lag.get(None)  # the sources without a department of their own
        found = {code: lag[code] for code in departments if code in lag}
        if shared is not None:
            found.update({code: shared for code in departments if code not in lag})
        return found
