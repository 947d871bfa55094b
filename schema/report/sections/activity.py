"""Projects registered and filings accepted and completed, in the week and in total (受理与办结),
by department: ``projectStats`` and ``filingStats`` with the week's window as their filter."""

from __future__ import annotations

from typing import Any

from schema.filters import FilingFilter, ProjectFilter
from schema.report.base import (
    Chart,
    Column,
    Figure,
    Period,
    ReportInputs,
    Section,
    SectionResult,
    Table,
)
from schema.stats import filing_stats, project_stats
from schema.types.stats import FilingGroup

DEPARTMENT = [FilingGroup.DEPARTMENT]


async def _counts(inputs: ReportInputs, period: Period) -> dict[str, Any]:
    scope, day = inputs.scope, period.as_of
    window, until = period.window(), period.until()
    totals: dict[str, Any] = {
        "registered": await project_stats(scope, [], ProjectFilter(registered_at=window)),
        "projects": await project_stats(scope, [], ProjectFilter(registered_at=until)),
        # Counts only: no filing's clock is needed (``filing_stats(clocks=False)``).
        "accepted_total": await filing_stats(
            scope, [], FilingFilter(accepted_at=until), day, clocks=False
        ),
        "completed_total": await filing_stats(
            scope, [], FilingFilter(completed_at=until), day, clocks=False
        ),
    }
    counts = {name: rows[0].count for name, rows in totals.items()}
    for name, filter in (
        ("accepted", FilingFilter(accepted_at=window)),
        ("completed", FilingFilter(completed_at=window)),
    ):
        rows = await filing_stats(scope, DEPARTMENT, filter, day, clocks=False)
        counts[name] = sum(row.count for row in rows)
        counts[f"{name}_by_department"] = {row.department_code: row.count for row in rows}
    return counts


class Activity(Section):
    key = "activity"
    title = "Registrations, acceptances and completions (受理与办结)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        now = await _counts(inputs, inputs.current)
        before = await _counts(inputs, inputs.previous)
        figures = [
            Figure(key, label, now[key], before[key])
            for key, label in (
                ("registered", "Projects registered this week"),
                ("projects", "Projects registered in total"),
                ("accepted", "Filings accepted this week"),
                ("accepted_total", "Filings accepted in total"),
                ("completed", "Filings completed this week"),
                ("completed_total", "Filings completed in total"),
            )
        ]
        codes = sorted(
            set(now["accepted_by_department"])
            | set(now["completed_by_department"])
            | set(before["accepted_by_department"])
            | set(before["completed_by_department"]),
            key=lambda code: (code is None, code or ""),
        )
        rows = []
        for code in codes:
            row: dict[str, Any] = {"department_code": code, "department": inputs.department(code)}
            for name in ("accepted", "completed"):
                row[name] = now[f"{name}_by_department"].get(code, 0)
                row[f"{name}_previous"] = before[f"{name}_by_department"].get(code, 0)
            rows.append(row)
        rows.sort(key=lambda row: (-row["accepted"], -row["completed"], row["department"]))
        table = Table(
            "by_department",
            "This week by department",
            [
                Column("department", "Department"),
                Column("accepted", "Accepted", compared=True),
                Column("completed", "Completed", compared=True),
            ],
            rows,
        )
        chart = Chart(
            "by_department",
            "Filings accepted and completed this week",
            [row["department"] for row in rows],
            {
                "accepted 受理": [row["accepted"] for row in rows],
                "completed 办结": [row["completed"] for row in rows],
            },
            {"accepted 受理": "#4e79a7", "completed 办结": "#59a14f"},
        )
        return SectionResult(self.key, self.title, True, None, figures, [table], [chart])
