"""Departments ranked, those that most need chasing first: by open filings overdue, then due
soon, then the share of their filings completed that were late (``filingStats`` grouped by
department and step as of the week's last day, summed per department), with the rank of the
week before."""

from __future__ import annotations

from typing import Any

from schema.report.base import Column, Period, ReportInputs, Section, SectionResult, Table

MEASURES = ("overdue", "due_soon", "completed_on_time", "completed_late")


async def ranked(inputs: ReportInputs, period: Period) -> list[dict[str, Any]]:
    totals: dict[str | None, dict[str, int]] = {}
    for stats in await inputs.open_filings(period):
        counts = totals.setdefault(stats.department_code, dict.fromkeys(MEASURES, 0))
        for name in MEASURES:
            counts[name] += getattr(stats, name)
    listed: list[dict[str, Any]] = []
    for code, counts in totals.items():
        done = counts["completed_on_time"] + counts["completed_late"]
        listed.append(
            {
                "department_code": code,
                "department": inputs.department(code),
                "overdue": counts["overdue"],
                "due_soon": counts["due_soon"],
                "completed": done,
                "late_share": None if done == 0 else round(counts["completed_late"] / done, 3),
            }
        )
    listed.sort(
        key=lambda r: (-r["overdue"], -r["due_soon"], -(r["late_share"] or 0), r["department"])
    )
    for rank, row in enumerate(listed, start=1):
        row["rank"] = rank
    return listed


class Ranking(Section):
    key = "ranking"
    title = "Departments ranked (部门排名)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        now = await ranked(inputs, inputs.current)
        before = {row["department_code"]: row for row in await ranked(inputs, inputs.previous)}
        for row in now:
            previous = before.get(row["department_code"], {})
            for name in ("rank", "overdue", "due_soon", "late_share"):
                row[f"{name}_previous"] = previous.get(name)
        table = Table(
            "departments",
            "Most to chase first: open overdue, then due soon, then the late share of completions",
            [
                Column("rank", "Rank", compared=True),
                Column("department", "Department"),
                Column("overdue", "Overdue", compared=True),
                Column("due_soon", "Due soon", compared=True),
                Column("completed", "Completed"),
                Column("late_share", "Completed late (share)", compared=True),
            ],
            now,
        )
        return SectionResult(self.key, self.title, True, None, (), [table])
