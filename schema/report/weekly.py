"""The weekly report (周报) of an ISO week: every section of ``SECTIONS`` built for the week,
read as of its last day, and compared with the week before."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from hub.clock import utcnow
from hub.config import HubConfig
from hub.idle import IdleRule
from hub.sla import Supervision
from hub.store import Store
from hub.weeks import IsoWeek
from schema.filters import FilterScope
from schema.report.base import Period, ReportInputs, Section, SectionResult, department_names
from schema.report.sections.activity import Activity
from schema.report.sections.findings import Findings
from schema.report.sections.idle import IdleProjects
from schema.report.sections.quality import QualityScores
from schema.report.sections.ranking import Ranking
from schema.report.sections.supplements import Supplements
from schema.report.sections.sync_health import SyncHealth
from schema.report.sections.time_limits import TimeLimits

SECTIONS: tuple[Section, ...] = (
    Activity(),
    TimeLimits(),
    Supplements(),
    IdleProjects(),
    Findings(),
    QualityScores(),
    SyncHealth(),
    Ranking(),
)


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    week: IsoWeek
    as_of: date
    previous_week: IsoWeek
    generated_at: datetime
    sections: Sequence[SectionResult]

    @property
    def title(self) -> str:
        return f"Weekly supervision report 周报 {self.week}"

    def section(self, key: str) -> SectionResult:
        return next(section for section in self.sections if section.key == key)


async def build_weekly_report(
    scope: FilterScope,
    week: IsoWeek,
    connectors: Sequence[str] = (),
    sections: Sequence[Section] = SECTIONS,
) -> WeeklyReport:
    """The report of ``week`` (``FutureWeekError`` for one that starts after the business
    day)."""
    today = scope.supervision.business_day()
    current = Period(week, week.as_of(today))
    previous = Period(week.previous, week.previous.as_of(today))
    inputs = ReportInputs(scope, current, previous, await department_names(scope), connectors)
    # At once: each section's statements on connections of their own (SQLite reads in
    # parallel too), in the order of ``sections``.
    built = await asyncio.gather(*(section.build(inputs) for section in sections))
    return WeeklyReport(week, current.as_of, week.previous, utcnow(), built)


def report_scope(store: Store, config: HubConfig) -> FilterScope:
    """The scope the GraphQL queries of a deployment filter in (its clock and business day)."""
    return FilterScope(Supervision.configured(store, config), IdleRule(store, config.idle))


async def weekly_report(store: Store, config: HubConfig, week: str | IsoWeek) -> WeeklyReport:
    """The report of ``week`` (text such as ``2014-W52``, or parsed) for a deployment."""
    chosen = week if isinstance(week, IsoWeek) else IsoWeek.parse(week)
    connectors = [c.name for c in config.connectors]
    return await build_weekly_report(report_scope(store, config), chosen, connectors)


def last_complete_week(today: date) -> IsoWeek:
    """The latest week that has ended by ``today``: the one before today's."""
    return IsoWeek.of(today).previous
