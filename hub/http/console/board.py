"""The supervision board (``/console/board?day=2014-12-31``): open filings overdue (red) and due
soon (yellow) by department and current step as of a chosen day, and the filings themselves,
each linking to its project page; the ``filingStats`` and ``filings(filter: {sla})`` queries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.requests import Request

from hub.auth import Principal
from hub.http.console.page import ConsolePage, PageError

BOARD = """
query Board($day: Date!) {
  filingStats(groupBy: [DEPARTMENT, CURRENT_STEP], asOf: $day) {
    departmentCode department { shortName name } currentStep overdue dueSoon suspended
  }
  overdue: filings(first: 500, filter: {sla: {asOf: $day, state: {eq: OVERDUE}}}) {
    totalCount
    nodes { ...Listed }
  }
  dueSoon: filings(first: 500, filter: {sla: {asOf: $day, state: {eq: DUE_SOON}}}) {
    totalCount
    nodes { ...Listed }
  }
}
fragment Listed on Filing {
  key projectCode status
  matter { name }
  department { shortName }
  sla(asOf: $day) { state currentStep limitDays remainingWorkingDays dueOn }
}
"""


def chosen_day(request: Request, default: date) -> date:
    text = request.query_params.get("day")
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PageError(400, f"day {text!r} is not a date such as 2014-12-31") from None


class Board(ConsolePage):
    path = "/console/board"
    template = "console/board.html"
    switch = "supervise"

    async def values(self, request: Request, principal: Principal) -> Mapping[str, Any]:
        day = chosen_day(request, request.app.state.supervision.business_day())
        data = await self.query(request, BOARD, day=day.isoformat())
        grid: dict[str, dict[str, Any]] = {}
        steps: set[str] = set()
        for row in data["filingStats"]:
            if not (row["overdue"] or row["dueSoon"]):
                continue
            department = row["department"] or {}
            name = department.get("shortName") or department.get("name") or "(none)"
            step = row["currentStep"] or "(none)"
            steps.add(step)
            cells = grid.setdefault(name, {"cells": {}, "overdue": 0, "due_soon": 0})
            cells["cells"][step] = row
            cells["overdue"] += row["overdue"]
            cells["due_soon"] += row["dueSoon"]
        departments = sorted(grid, key=lambda d: (-grid[d]["overdue"], -grid[d]["due_soon"], d))
        overdue = sorted(
            data["overdue"]["nodes"], key=lambda f: f["sla"]["remainingWorkingDays"] or 0
        )
        due_soon = sorted(
            data["dueSoon"]["nodes"], key=lambda f: f["sla"]["remainingWorkingDays"] or 0
        )
        return {
            "day": day,
            "steps": sorted(steps),
            "departments": departments,
            "grid": grid,
            "overdue": overdue,
            "overdue_total": data["overdue"]["totalCount"],
            "due_soon": due_soon,
            "due_soon_total": data["dueSoon"]["totalCount"],
        }
