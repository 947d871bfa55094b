"""The weekly report's building blocks: a report is a list of sections (``Section``, one module
each under ``schema.report.sections``), each building its ``SectionResult`` of figures (a value
with the previous week's and the change), tables and charts from the same functions the GraphQL
queries call. A section whose capability the hub does not have yet is an ``UnavailableSection``:
it renders as a clear "not yet available" block, and adding the real one later is one module."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from sqlalchemy import select

from hub import tables
from hub.weeks import CHINA, IsoWeek
from schema.filters import FilterScope
from schema.live import live
from schema.operators import DateTimeFilter
from schema.stats import filing_stats
from schema.types.stats import FilingGroup, FilingStats

Number = int | float


def change(value: Number | None, previous: Number | None) -> Number | None:
    """The change against the previous week (None when either is unknown)."""
    if value is None or previous is None:
        return None
    difference = value - previous
    return round(difference, 2) if isinstance(difference, float) else difference


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of the report with the previous week's."""

    key: str
    label: str
    value: Number | None
    previous: Number | None = None

    @property
    def change(self) -> Number | None:
        return change(self.value, self.previous)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    # A numeric column with a ``<key>_previous`` in its rows also shows the change.
    compared: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    # Where a row links in the console: a format string over the row, e.g. "/console/filing/{key}".
    link: str | None = None
    link_column: str | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart: one bar (or stacked bars, one per series) for each category."""

    key: str
    title: str
    categories: Sequence[str]
    series: Mapping[str, Sequence[Number]]
    colors: Mapping[str, str] = field(default_factory=dict)
    stacked: bool = False


@dataclass(frozen=True, slots=True)
class SectionResult:
    key: str
    title: str
    available: bool
    note: str | None = None
    figures: Sequence[Figure] = ()
    tables: Sequence[Table] = ()
    charts: Sequence[Chart] = ()


@dataclass(frozen=True, slots=True)
class Period:
    """A week and the day its clocks are read on."""

    week: IsoWeek
    as_of: date

    def window(self) -> DateTimeFilter:
        """Instants within the week, as a GraphQL filter on a DateTime field."""
        return DateTimeFilter(gte=self.week.starts(), lt=self.week.ends())

    def until(self) -> DateTimeFilter:
        """Instants up to the end of the week (or of the as-of day, for the week in progress)."""
        return DateTimeFilter(lt=min(self.week.ends(), _end_of(self.as_of)))


def _end_of(day: date) -> datetime:
    """The first instant after ``day``, China time (aware)."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA)


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """What every section reads: the filter scope (store and clock) of the GraphQL queries, the
    week and the one before, the departments' names and the configured connectors."""

    scope: FilterScope
    current: Period
    previous: Period
    departments: Mapping[str, str]
    connectors: Sequence[str]
    # Answers sections share, by what was asked (see ``open_filings``).
    shared: dict[Any, Any] = field(default_factory=dict, compare=False)

    @property
    def store(self) -> Any:
        return self.scope.supervision.clock.store

    async def open_filings(self, period: Period) -> list[FilingStats]:
        """Every filing counted by department and current step as of the period's day
        (``filingStats(groupBy: [DEPARTMENT, CURRENT_STEP], asOf: day)``), read once for all
        the sections that need it: each department's totals are the sums of its rows."""
        key = ("department_and_step", period.as_of)
        if key not in self.shared:  # a task: sections built at once wait for the same one
            groups = [FilingGroup.DEPARTMENT, FilingGroup.CURRENT_STEP]
            answer = filing_stats(self.scope, groups, None, period.as_of)
            self.shared[key] = asyncio.ensure_future(answer)
        rows: list[FilingStats] = await self.shared[key]
        return rows

    def department(self, code: str | None) -> str:
        if code is None:
            return "(none)"
        return self.departments.get(code, code)


async def department_names(scope: FilterScope) -> dict[str, str]:
    """Code -> short name (else name) of every live department, as ``departments`` lists them."""
    d = tables.departments
    async with scope.supervision.clock.store.read() as conn:
        rows = (await conn.execute(select(d).where(live(d)).order_by(d.c.code))).all()
    return {row.code: row.short_name or row.name for row in rows}


class Section(ABC):
    """One part of the report."""

    key: ClassVar[str]
    title: ClassVar[str]

    @abstractmethod
    async def build(self, inputs: ReportInputs) -> SectionResult:
        """The section's figures for ``inputs.current``, compared with ``inputs.previous``."""


class UnavailableSection(Section):
    """A section the hub cannot fill yet: it says what it waits for."""

    needs: ClassVar[str]

    async def build(self, inputs: ReportInputs) -> SectionResult:
        return SectionResult(
            self.key,
            self.title,
            available=False,
            note=f"Not yet available: this section needs {self.needs}, which the hub does "
            "not have yet.",
        )
