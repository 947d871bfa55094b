"""The matters slowest in 补齐补正: working days filings waited for the applicant's supplement
(the step SUPPLEMENT_REQUESTED, from the request to the next event), per matter, over filings
accepted by the week's end: ``stepStats`` grouped by matter and step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub import tables
from hub.entities import EventStep
from schema.filters import FilingFilter, condition
from schema.live import live
from schema.report.base import Column, Figure, Period, ReportInputs, Section, SectionResult, Table
from schema.supervision_stats import step_stats
from schema.types.step_stats import StepGroup, StepStats

TOP = 10
BY_MATTER_AND_STEP = [StepGroup.MATTER, StepGroup.STEP]


def supplement_filter(period: Period) -> FilingFilter:
    return FilingFilter(accepted_at=period.until())


async def supplement_stats(inputs: ReportInputs, period: Period) -> dict[str, StepStats]:
    """Matter -> its 补正 durations, as ``stepStats(groupBy: [MATTER, STEP])`` counts them."""
    scope = inputs.scope
    where = condition(supplement_filter(period), scope)
    rows = await step_stats(
        inputs.store, scope.supervision.clock.calendar, BY_MATTER_AND_STEP, where
    )
    return {
        row.matter_code: row
        for row in rows
        if row.step is EventStep.SUPPLEMENT_REQUESTED and row.matter_code is not None
    }


class Supplements(Section):
    key = "supplements"
    title = "Slowest matters in 补齐补正 (supplement requests)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        now = await supplement_stats(inputs, inputs.current)
        before = await supplement_stats(inputs, inputs.previous)
        m = tables.matters
        async with inputs.store.read() as conn:
            matters = {
                row.code: row
                for row in await conn.execute(
                    select(m.c.code, m.c.name, m.c.department_code).where(
                        live(m), m.c.code.in_(list(now))
                    )
                )
            }
        ranked = sorted(now.values(), key=lambda r: (-(r.avg_working_days or 0), r.matter_code))
        rows: list[dict[str, Any]] = []
        for stats in ranked[:TOP]:
            code = stats.matter_code
            matter = matters.get(code)
            previous = before.get(code) if code is not None else None
            rows.append(
                {
                    "matter_code": code,
                    "matter": matter.name if matter else code,
                    "department": inputs.department(matter.department_code if matter else None),
                    "count": stats.count,
                    "count_previous": previous.count if previous else 0,
                    "avg_working_days": stats.avg_working_days,
                    "avg_working_days_previous": previous.avg_working_days if previous else None,
                    "median_working_days": stats.median_working_days,
                    "p90_working_days": stats.p90_working_days,
                    "max_working_days": stats.max_working_days,
                }
            )

        def requests(stats: dict[str, StepStats]) -> int:
            return sum(row.count for row in stats.values())

        figures = [
            Figure(
                "requests",
                "Supplement requests answered (in total)",
                requests(now),
                requests(before),
            )
        ]
        table = Table(
            "slowest_matters",
            f"The {TOP} matters with the longest waits for supplements (working days)",
            [
                Column("matter", "Matter"),
                Column("department", "Department"),
                Column("count", "Requests", compared=True),
                Column("avg_working_days", "Average", compared=True),
                Column("median_working_days", "Median"),
                Column("p90_working_days", "p90"),
                Column("max_working_days", "Longest"),
            ],
            rows,
        )
        return SectionResult(self.key, self.title, True, None, figures, [table])
