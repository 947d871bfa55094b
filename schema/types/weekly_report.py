"""WeeklyReport: the weekly supervision report (周报) of an ISO week, its sections with their
figures (this week, the previous week, the change) and tables (``schema.report``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from schema.report.base import SectionResult, Table
from schema.report.weekly import WeeklyReport as BuiltReport
from schema.types.scalars import JSON


@strawberry.type(description="One number of the report, with the previous week's.")
class ReportFigure:
    key: str
    label: str
    value: float | None
    previous: float | None
    change: float | None = strawberry.field(description="value - previous.")


@strawberry.type(description="A column of a report table.")
class ReportColumn:
    key: str
    label: str
    compared: bool = strawberry.field(
        description="Its rows also carry `<key>_previous`, the previous week's value."
    )


@strawberry.type(description="A table of a report section; rows are objects keyed by column.")
class ReportTable:
    key: str
    title: str
    columns: list[ReportColumn]
    rows: JSON

    @classmethod
    def of(cls, table: Table) -> ReportTable:
        columns = [
            ReportColumn(key=c.key, label=c.label, compared=c.compared) for c in table.columns
        ]
        rows: Any = [dict(row) for row in table.rows]
        return cls(key=table.key, title=table.title, columns=columns, rows=rows)


@strawberry.type(description="A section of the report; unavailable ones say what they wait for.")
class ReportSection:
    key: str
    title: str
    available: bool
    note: str | None
    figures: list[ReportFigure]
    tables: list[ReportTable]

    @classmethod
    def of(cls, section: SectionResult) -> ReportSection:
        return cls(
            key=section.key,
            title=section.title,
            available=section.available,
            note=section.note,
            figures=[
                ReportFigure(
                    key=f.key, label=f.label, value=f.value, previous=f.previous, change=f.change
                )
                for f in section.figures
            ],
            tables=[ReportTable.of(t) for t in section.tables],
        )


@strawberry.type(description="The weekly supervision report (周报) of an ISO week.")
class WeeklyReport:
    week: str = strawberry.field(description="The ISO week, e.g. 2014-W52.")
    as_of: date = strawberry.field(description="The day its clocks are read on.")
    previous_week: str
    sections: list[ReportSection]

    @strawberry.field(description="The section with this key (null when there is none).")
    def section(self, key: str) -> ReportSection | None:
        return next((s for s in self.sections if s.key == key), None)

    @classmethod
    def of(cls, report: BuiltReport) -> WeeklyReport:
        return cls(
            week=str(report.week),
            as_of=report.as_of,
            previous_week=str(report.previous_week),
            sections=[ReportSection.of(s) for s in report.sections],
        )
