"""New and closed findings of the week by department and by rule: the data checks
(数据核查, every rule but the certificate ones) and the authenticity checks (真实性: the rules that
compare certificates), each counted from ``findings(filter: {firstSeen | resolvedAt: week})``
with the week before, and the findings open at the end of the week, departments ranked by them.

The findings table only knows what the checks saw since they first ran: for a week that ended
before then (the demo's 2014 weeks, checked on the day it was synced), nothing was new or
closed in it, and what was open then is unknown; the section shows the findings open now
instead (``findings`` with its default ``open: true``) and says so."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from hub import tables
from hub.checks.registry import rules
from hub.clock import utcnow
from hub.policy import SYSTEM
from schema.operators import DateTimeFilter
from schema.quality import FindingFilter, findings_query
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
from schema.types.scalars import utc

# The rules that check a certificate's authenticity (业务真伪), reported apart from the others.
AUTHENTICITY_RULES = (
    "area_chain_mismatch",
    "certificate_not_authentic",
    "duplicate_document_number",
    "holder_mismatch",
)

Counts = dict[tuple[str | None, str], int]  # (department, rule) -> findings


async def count(inputs: ReportInputs, given: FindingFilter) -> Counts:
    """The findings ``given`` selects, counted by department and rule."""
    selected = findings_query(given, SYSTEM).subquery()  # the report is for all departments
    query = select(selected.c.department_code, selected.c.rule, func.count()).group_by(
        selected.c.department_code, selected.c.rule
    )
    async with inputs.store.read() as conn:
        return {(code, rule): n for code, rule, n in await conn.execute(query)}


async def first_check(inputs: ReportInputs) -> datetime | None:
    """When the checks first found anything (None: never; the store keeps no record of passes
    that found nothing)."""
    async with inputs.store.read() as conn:
        first = await conn.scalar(select(func.min(tables.findings.c.first_seen)))
    return utc(first)


def merged(*parts: Counts) -> Counts:
    total: Counts = {}
    for part in parts:
        for key, n in part.items():
            total[key] = total.get(key, 0) + n
    return total


class FindingCounts:
    """The week's new, closed and open findings of some rules."""

    def __init__(self, inputs: ReportInputs, rule_names: Sequence[str]) -> None:
        self.inputs = inputs
        self.rules = list(rule_names)

    def given(self, **conditions: Any) -> FindingFilter:
        return FindingFilter(rules=self.rules, **conditions)

    async def new(self, period: Period) -> Counts:
        return await count(self.inputs, self.given(open=None, first_seen=period.window()))

    async def closed(self, period: Period) -> Counts:
        return await count(self.inputs, self.given(open=None, resolved_at=period.window()))

    async def open_at_end(self, period: Period) -> Counts:
        """Seen by the end of the week and not resolved by then."""
        end = period.week.ends()
        seen = DateTimeFilter(lt=end)
        still = await count(self.inputs, self.given(open=True, first_seen=seen))
        later = self.given(open=False, first_seen=seen, resolved_at=DateTimeFilter(gte=end))
        return merged(still, await count(self.inputs, later))

    async def open_now(self) -> Counts:
        return await count(self.inputs, self.given())


def by(counts: Counts, index: int) -> dict[Any, int]:
    """Summed by department (index 0) or rule (index 1)."""
    totals: dict[Any, int] = {}
    for key, n in counts.items():
        totals[key[index]] = totals.get(key[index], 0) + n
    return totals


Measures = dict[str, tuple[Counts, Counts | None]]  # new|closed|open -> (week, week before)


def summed_by(
    measures: Measures, index: int
) -> dict[str, tuple[dict[Any, int], dict[Any, int] | None]]:
    return {
        name: (by(now, index), None if before is None else by(before, index))
        for name, (now, before) in measures.items()
    }


class FindingsSection(Section):
    """One family of rules' findings; subclasses say which."""

    def rule_names(self) -> list[str]:
        raise NotImplementedError

    async def build(self, inputs: ReportInputs) -> SectionResult:
        counts = FindingCounts(inputs, self.rule_names())
        new, new_before = await counts.new(inputs.current), await counts.new(inputs.previous)
        closed = await counts.closed(inputs.current)
        closed_before = await counts.closed(inputs.previous)
        first = await first_check(inputs)
        ended = inputs.current.week.ends()
        note: str | None = None
        if first is None or first >= ended:
            # The checks had not run by the end of the week: what was open then is unknown.
            today = utcnow().date()
            if first is None:
                note = (
                    "No finding is known: the data checks have found nothing or not run yet "
                    "(the server runs them after each sync and on their schedule)."
                )
            else:
                note = (
                    f"The data checks first ran on {first.date()}, after this week: no finding "
                    f"was new or closed in it. Shown as open are the findings open now "
                    f"({today}), not at the end of the week."
                )
            open_, open_before = await counts.open_now(), None
        else:
            open_ = await counts.open_at_end(inputs.current)
            open_before = await counts.open_at_end(inputs.previous)

        def total(part: Counts | None) -> int | None:
            return None if part is None else sum(part.values())

        figures = [
            Figure("new", "New findings", total(new), total(new_before)),
            Figure("closed", "Closed findings", total(closed), total(closed_before)),
            Figure("open", "Open findings", total(open_), total(open_before)),
        ]
        measures: Measures = {
            "new": (new, new_before),
            "closed": (closed, closed_before),
            "open": (open_, open_before),
        }
        tables_ = [self._departments(inputs, measures), self._rules(measures)]
        departments = tables_[0].rows
        chart = Chart(
            "by_department",
            f"{self.title.split(',')[0]}: new, closed and open by department",
            [row["department"] for row in departments],
            {
                "new 新增": [row["new"] for row in departments],
                "closed 关闭": [row["closed"] for row in departments],
                "open 未关闭": [row["open"] for row in departments],
            },
            {"new 新增": "#e15759", "closed 关闭": "#59a14f", "open 未关闭": "#f28e2b"},
        )
        charts = [chart] if departments else []
        return SectionResult(self.key, self.title, True, note, figures, tables_, charts)

    @staticmethod
    def _rows(
        keys: list[Any], parts: dict[str, tuple[dict[Any, int], dict[Any, int] | None]]
    ) -> list[dict[str, Any]]:
        rows = []
        for key in keys:
            row: dict[str, Any] = {}
            for name, (now, before) in parts.items():
                row[name] = now.get(key, 0)
                row[f"{name}_previous"] = None if before is None else before.get(key, 0)
            rows.append(row)
        return rows

    def _departments(self, inputs: ReportInputs, measures: Measures) -> Table:
        """Departments ranked: most open findings first, then most new."""
        summed = summed_by(measures, 0)
        codes = sorted(
            {code for now, before in summed.values() for code in (*now, *(before or {}))}, key=str
        )
        rows = self._rows(codes, summed)
        for code, row in zip(codes, rows, strict=True):
            row["department_code"] = code
            row["department"] = inputs.department(code)

        def ranked(listed: list[dict[str, Any]], suffix: str) -> dict[Any, int]:
            order = sorted(
                listed,
                key=lambda r: (
                    -(r[f"open{suffix}"] or 0),
                    -(r[f"new{suffix}"] or 0),
                    r["department"],
                ),
            )
            return {r["department_code"]: rank for rank, r in enumerate(order, start=1)}

        now_rank, before_rank = ranked(rows, ""), ranked(rows, "_previous")
        compared = measures["open"][1] is not None
        for row in rows:
            row["rank"] = now_rank[row["department_code"]]
            row["rank_previous"] = before_rank[row["department_code"]] if compared else None
        rows.sort(key=lambda r: r["rank"])
        return Table(
            "by_department",
            "By department, ranked: most open findings first, then most new",
            [
                Column("rank", "Rank", compared=True),
                Column("department", "Department"),
                Column("new", "New", compared=True),
                Column("closed", "Closed", compared=True),
                Column("open", "Open", compared=True),
            ],
            rows,
        )

    def _rules(self, measures: Measures) -> Table:
        summed = summed_by(measures, 1)
        names = [
            name
            for name in self.rule_names()
            if any(now.get(name) or (before or {}).get(name) for now, before in summed.values())
        ]
        rows = self._rows(names, summed)
        for name, row in zip(names, rows, strict=True):
            row["rule"] = name
        return Table(
            "by_rule",
            "By rule",
            [
                Column("rule", "Rule"),
                Column("new", "New", compared=True),
                Column("closed", "Closed", compared=True),
                Column("open", "Open", compared=True),
            ],
            rows,
        )


class Findings(FindingsSection):
    key = "findings"
    title = "Data-check findings, new and closed (数据核查)"

    def rule_names(self) -> list[str]:
        return [name for name in rules() if name not in AUTHENTICITY_RULES]


class Authenticity(FindingsSection):
    key = "authenticity"
    title = "Authenticity findings, new and closed (证照真实性)"

    def rule_names(self) -> list[str]:
        return list(AUTHENTICITY_RULES)
