"""Open filings overdue (红灯) and due soon (黄灯) by department and step as of the week's last
day, and the list of overdue filings to chase (督办清单): ``filingStats`` grouped by department
and current step, and the ``sla`` filter of ``filings`` with each filing's clock (``hub.sla``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, select

from hub import tables
from hub.sla import SlaState
from schema.live import live
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
from schema.types.stats import FilingStats

MEASURES = ("overdue", "due_soon", "suspended")
RED, YELLOW, GREY = "#d62728", "#f2b701", "#9aa0a6"


def _keyed(rows: Iterable[FilingStats]) -> dict[tuple[str | None, str | None], FilingStats]:
    return {
        (row.department_code, None if row.current_step is None else row.current_step.value): row
        for row in rows
    }


async def overdue_filings(inputs: ReportInputs, period: Period) -> list[dict[str, Any]]:
    """The 督办清单: every filing overdue as of the day, longest over its limit first; the
    filings ``filings(filter: {sla: {asOf: day, state: {eq: OVERDUE}}})`` lists, read with
    their clocks from the one clock table that filter selects from."""
    clock = inputs.scope.supervision.clock
    table = clock.table(period.as_of)
    f, m = tables.filings, tables.matters
    query = (
        select(
            table,
            f.c.project_code,
            f.c.department_code,
            f.c.matter_code,
            m.c.name.label("matter_name"),
        )
        .select_from(
            table.join(f, f.c.key == table.c.key).outerjoin(
                m, and_(m.c.code == f.c.matter_code, live(m))
            )
        )
        .where(table.c.state == SlaState.OVERDUE.value)
    )
    async with inputs.store.read() as conn:
        rows = (await conn.execute(query)).all()
    listed = []
    for row in rows:
        sla = clock.sla(row, period.as_of)
        listed.append(
            {
                "key": row.key,
                "project_code": row.project_code,
                "department": inputs.department(row.department_code),
                "matter": row.matter_name or row.matter_code,
                "step": None if sla.current_step is None else sla.current_step.value,
                "limit_days": sla.limit_days,
                "net_days": sla.net_working_days,
                "over_by": -(sla.remaining_working_days or 0),
                "due_on": None if sla.due_on is None else sla.due_on.isoformat(),
            }
        )
    listed.sort(key=lambda row: (-row["over_by"], row["key"]))
    return listed


class TimeLimits(Section):
    key = "time_limits"
    title = "Time limits: overdue and due soon (时限预警与督办)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        now = _keyed(await inputs.open_filings(inputs.current))
        before = _keyed(await inputs.open_filings(inputs.previous))

        def total(rows: dict[Any, FilingStats], measure: str) -> int:
            return sum(getattr(row, measure) for row in rows.values())

        labels = {
            "overdue": "Open filings overdue (红灯)",
            "due_soon": "Open filings due soon (黄灯)",
            "suspended": "Open filings suspended (补正/特别程序)",
        }
        figures = [
            Figure(name, labels[name], total(now, name), total(before, name)) for name in MEASURES
        ]
        rows = []
        for key in sorted(set(now) | set(before), key=lambda k: (k[0] or "", k[1] or "")):
            current, previous = now.get(key), before.get(key)
            row: dict[str, Any] = {
                "department_code": key[0],
                "department": inputs.department(key[0]),
                "step": key[1],
            }
            for name in ("overdue", "due_soon"):
                row[name] = getattr(current, name) if current else 0
                row[f"{name}_previous"] = getattr(previous, name) if previous else 0
            if (
                row["overdue"]
                or row["due_soon"]
                or row["overdue_previous"]
                or row["due_soon_previous"]
            ):
                rows.append(row)
        rows.sort(key=lambda row: (-row["overdue"], -row["due_soon"], row["department"]))
        by_department: dict[str, dict[str, int]] = {}
        for row in rows:
            counts = by_department.setdefault(row["department"], {"overdue": 0, "due_soon": 0})
            counts["overdue"] += row["overdue"]
            counts["due_soon"] += row["due_soon"]
        departments = sorted(by_department, key=lambda d: -by_department[d]["overdue"])
        chart = Chart(
            "by_department",
            f"Open filings overdue and due soon by department, as of {inputs.current.as_of}",
            departments,
            {
                "overdue 红灯": [by_department[d]["overdue"] for d in departments],
                "due soon 黄灯": [by_department[d]["due_soon"] for d in departments],
            },
            {"overdue 红灯": RED, "due soon 黄灯": YELLOW},
            stacked=True,
        )
        steps = Table(
            "by_department_and_step",
            "By department and current step",
            [
                Column("department", "Department"),
                Column("step", "Step"),
                Column("overdue", "Overdue", compared=True),
                Column("due_soon", "Due soon", compared=True),
            ],
            rows,
        )
        supervised = Table(
            "overdue_filings",
            f"Overdue filings to chase (督办清单), as of {inputs.current.as_of}",
            [
                Column("key", "Filing"),
                Column("project_code", "Project"),
                Column("department", "Department"),
                Column("matter", "Matter"),
                Column("step", "Step"),
                Column("limit_days", "Limit (working days)"),
                Column("net_days", "Working days used"),
                Column("over_by", "Over by"),
                Column("due_on", "Was due on"),
            ],
            await overdue_filings(inputs, inputs.current),
            link="/console/projects/{project_code}#filing-{key}",
            link_column="key",
        )
        return SectionResult(
            self.key, self.title, True, None, figures, [steps, supervised], [chart]
        )
