"""What the hub's store must hold after syncing the demo, and what the supervision jobs should
find in it, so that tests anywhere can assert against exact numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from hub.calendar import WorkingCalendar, standard_calendar
from hub.demo.annotations import plan
from hub.demo.catalogue import DEPARTMENT_COUNT, MATTER_COUNT
from hub.demo.dataset import AS_OF, ORPHAN_FILINGS, Dataset, filing_count, generate, project_count
from hub.demo.filings import OPEN, Filing
from hub.demo.sources import BAD_ROWS
from hub.sla import SUSPENSIONS

# Planted bad rows per source and entity; the same at every scale.
REJECTS: Mapping[str, Mapping[str, int]] = {
    source: {
        entity: sum(1 for r in rows if r.entity == entity)
        for entity in dict.fromkeys(r.entity for r in rows)
    }
    for source, rows in BAD_ROWS.items()
}
REJECT_COUNT = sum(len(rows) for rows in BAD_ROWS.values())


@dataclass(frozen=True, slots=True)
class DemoCounts:
    """Valid rows per entity (``filings`` counts registered projects' filings only; the
    ``orphan_filings`` name valid but unregistered project codes and are kept by the hub too),
    planted rejects per source, and the supervision figures at ``as_of``."""

    departments: int
    matters: int
    projects: int
    filings: int
    orphan_filings: int
    process_events: int
    outcomes: int
    rejects: Mapping[str, int]
    open_filings: int
    overdue_filings: int  # open or closed, by hub.sla's rule (``is_overdue``)
    open_overdue_filings: int  # open filings already past their limit (办理环节超时)
    idle_projects: int  # not under construction or completed, no activity for over two months
    annotations: int  # the platform's causes of idle projects (hub.demo.annotations)

    def store(self) -> dict[str, int]:
        """Rows per entity the store holds after a full sync of every demo connector."""
        return {
            "department": self.departments,
            "matter": self.matters,
            "project": self.projects,
            "filing": self.filings + self.orphan_filings,
            "process_event": self.process_events,
            "outcome": self.outcomes,
            "project_annotation": self.annotations,
        }


def expected_counts(scale: float = 1.0, seed: int = 2014, as_of: datetime = AS_OF) -> DemoCounts:
    """The exact figures for ``build_demo(target, scale=scale, seed=seed, as_of=as_of)``."""
    return _counts(float(scale), seed, as_of)


@lru_cache(maxsize=8)
def _counts(scale: float, seed: int, as_of: datetime) -> DemoCounts:
    return count(generate(scale, seed, as_of))


def count(data: Dataset) -> DemoCounts:
    registered = [f for f in data.filings if f.project is not None]
    calendar = standard_calendar()
    overdue = [f for f in registered if is_overdue(f, data.as_of, calendar)]
    counts = DemoCounts(
        departments=len(data.catalogue.departments),
        matters=len(data.catalogue.matters),
        projects=len(data.projects),
        filings=len(registered),
        orphan_filings=len(data.filings) - len(registered),
        process_events=sum(len(f.events) for f in data.filings),
        outcomes=sum(1 for f in data.filings if f.outcome is not None),
        rejects={source: len(rows) for source, rows in BAD_ROWS.items()},
        open_filings=sum(1 for f in registered if f.status in OPEN),
        overdue_filings=len(overdue),
        open_overdue_filings=sum(1 for f in overdue if f.status in OPEN),
        idle_projects=sum(
            1 for p in data.projects if _idle(p.reached_construction, p.last_activity, data.as_of)
        ),
        annotations=len(plan(data)[0]),
    )
    assert counts.departments == DEPARTMENT_COUNT and counts.matters == MATTER_COUNT
    assert counts.projects == project_count(data.scale)
    assert counts.filings == filing_count(data.scale)
    assert counts.orphan_filings == ORPHAN_FILINGS
    return counts


def is_overdue(filing: Filing, as_of: datetime, calendar: WorkingCalendar) -> bool:
    """``hub.sla``'s rule on the demo's own data: the working days after the acceptance day up
    to completion (or ``as_of``), less the days the clock stood still, exceed the limit. Filings
    not yet accepted are not on the clock; open ones waiting (a pause not closed) are suspended."""
    if filing.accepted_at is None:
        return False
    accepted = filing.accepted_at.date()
    end = (filing.completed_at or as_of).date()
    elapsed = calendar.working_days_between(accepted, end)
    suspended = 0
    for opened, closed in pauses(filing):
        if closed is None and filing.completed_at is None:
            return False
        stop = min(end, closed.date() if closed is not None else end)
        suspended += max(0, calendar.working_days_between(max(opened.date(), accepted), stop))
    return elapsed - suspended > filing.time_limit_days


def pauses(filing: Filing) -> list[tuple[datetime, datetime | None]]:
    """When the filing's clock stopped and started again (None: not yet), per suspension."""
    found: list[tuple[datetime, datetime | None]] = []
    for number, event in enumerate(filing.events):
        closing = SUSPENSIONS.get(event.step)
        if closing is None:
            continue
        later = (e.occurred_at for e in filing.events[number:] if e.step is closing)
        found.append((event.occurred_at, next(later, None)))
    return found


def _idle(reached_construction: bool, last_activity: datetime, as_of: datetime) -> bool:
    if reached_construction:
        return False
    return last_activity < as_of - timedelta(days=61)


__all__ = [
    "REJECTS",
    "REJECT_COUNT",
    "DemoCounts",
    "count",
    "expected_counts",
    "is_overdue",
    "pauses",
]
