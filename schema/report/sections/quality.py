"""Each department's data-quality scorecard (数据质量) as of the week's last day, with the week
before and the trend: ``qualityScores(asOf: day)`` (``hub.quality``), departments ranked, the
weakest first."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from hub.clock import utcnow
from hub.quality import QualityScores as Scorer
from hub.quality import Scorecard, Scores
from schema.report.base import Chart, Column, Figure, ReportInputs, Section, SectionResult, Table

MEASURES = (
    ("timeliness", "Timeliness (share on time)"),
    ("completeness", "Completeness (share complete)"),
    ("consistency", "Consistency (open findings per 1000 records)"),
    ("freshness_hours", "Freshness (hours since last sync)"),
)


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def weakest_first(scores: Scores) -> tuple[float, float, float]:
    """Least on time, then most findings per record, then least complete (unknown: last)."""
    return (
        scores.timeliness if scores.timeliness is not None else 2.0,
        -(scores.consistency or 0.0),
        scores.completeness if scores.completeness is not None else 2.0,
    )


def ranks(cards: list[Scorecard], side: str) -> dict[str, int]:
    order = sorted(cards, key=lambda c: (weakest_first(getattr(c, side)), c.department_code))
    return {card.department_code: rank for rank, card in enumerate(order, start=1)}


class QualityScores(Section):
    key = "quality"
    title = "Data-quality score by department (数据质量评分)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        scorer = Scorer(inputs.store, inputs.scope.supervision.clock, inputs.connectors)
        cards = await scorer.scorecards(inputs.current.as_of, utcnow())
        now, before = ranks(cards, "now"), ranks(cards, "week_before")
        rows: list[dict[str, Any]] = []
        for card in cards:
            row: dict[str, Any] = {
                "rank": now[card.department_code],
                "rank_previous": before[card.department_code],
                "department_code": card.department_code,
                "department": inputs.department(card.department_code),
                "records": card.now.records,
            }
            for name, _ in MEASURES:
                digits = 1 if name == "freshness_hours" else 3
                row[name] = rounded(getattr(card.now, name), digits)
                row[f"{name}_previous"] = rounded(getattr(card.week_before, name), digits)
                row[f"{name}_trend"] = rounded(card.trend(name), digits)
            rows.append(row)
        rows.sort(key=lambda r: r["rank"])

        def mean(name: str, side: str) -> float | None:
            known = [v for c in cards if (v := getattr(getattr(c, side), name)) is not None]
            return rounded(fmean(known)) if known else None

        figures = [
            Figure(
                name, f"{label}, mean of departments", mean(name, "now"), mean(name, "week_before")
            )
            for name, label in MEASURES[:3]
        ]
        table = Table(
            "by_department",
            "By department, ranked: least on time first, then most findings per record",
            [
                Column("rank", "Rank", compared=True),
                Column("department", "Department"),
                Column("records", "Records"),
                *(Column(name, label, compared=True) for name, label in MEASURES),
            ],
            rows,
        )
        timely = [r for r in rows if r["timeliness"] is not None]
        chart = Chart(
            "timeliness",
            f"Share of completions on time by department, as of {inputs.current.as_of}",
            [r["department"] for r in timely],
            {"on time 按时": [r["timeliness"] for r in timely]},
            {"on time 按时": "#4e79a7"},
        )
        return SectionResult(self.key, self.title, True, None, figures, [table], [chart])
