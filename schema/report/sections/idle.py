"""Projects idle for more than two months (``[idle] months``), by cause (闲置项目), as of the
week's last day: ``idleStats(groupBy: [CAUSE], asOf: day)``, with the week before."""

from __future__ import annotations

from typing import Any

from schema.idle_stats import idle_stats
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
from schema.types.idle_stats import IdleGroup, IdleStats

BY_CAUSE = [IdleGroup.CAUSE]


async def idle_by_cause(inputs: ReportInputs, period: Period) -> dict[str, IdleStats]:
    """Cause code -> its idle projects as of the period's day."""
    scope = inputs.scope
    rows = await idle_stats(scope, scope.idle_rule.config, BY_CAUSE, None, period.as_of, None)
    return {row.cause.code if row.cause else "(none)": row for row in rows}


class IdleProjects(Section):
    key = "idle"
    title = "Projects idle for more than two months, by cause (闲置项目)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        now = await idle_by_cause(inputs, inputs.current)
        before = await idle_by_cause(inputs, inputs.previous)

        def total(rows: dict[str, IdleStats], measure: str) -> int:
            return sum(int(getattr(row, measure)) for row in rows.values())

        figures = [
            Figure("idle", "Idle projects", total(now, "count"), total(before, "count")),
            Figure(
                "annotated",
                "Of them, with a cause given by an annotation",
                total(now, "annotated"),
                total(before, "annotated"),
            ),
        ]
        rows: list[dict[str, Any]] = []
        for code in sorted(set(now) | set(before)):
            current, previous = now.get(code), before.get(code)
            either = current or previous
            cause = either.cause if either is not None else None
            rows.append(
                {
                    "cause_code": code,
                    "cause": cause.name if cause else code,
                    "count": current.count if current else 0,
                    "count_previous": previous.count if previous else 0,
                    "share": current.share if current else 0.0,
                    "annotated": current.annotated if current else 0,
                    "inferred": current.inferred if current else 0,
                }
            )
        rows.sort(key=lambda row: (-row["count"], row["cause_code"]))
        table = Table(
            "by_cause",
            "By cause (annotated where an annotation gives it, else inferred)",
            [
                Column("cause", "Cause"),
                Column("count", "Projects", compared=True),
                Column("share", "Share"),
                Column("annotated", "Annotated"),
                Column("inferred", "Inferred"),
            ],
            rows,
        )
        chart = Chart(
            "by_cause",
            f"Idle projects by cause, as of {inputs.current.as_of}",
            [row["cause"] for row in rows],
            {"idle 闲置": [row["count"] for row in rows]},
            {"idle 闲置": "#9c755f"},
        )
        return SectionResult(self.key, self.title, True, None, figures, [table], [chart])
