"""A filing whose times or steps are out of order: accepted before it was submitted, completed
before it was accepted, or a supplement received (or a special procedure ended) before it was
requested (started)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, or_

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import filing_findings
from hub.sla import suspension_ends_before_it_starts


class EventsOutOfOrder(SqlRule):
    name = "events_out_of_order"
    description = (
        "A filing's events are out of order: accepted before submitted, completed before "
        "accepted, or a supplement received before it was requested."
    )
    entity = "filing"

    def query(self, ctx: CheckContext) -> Select[Any]:
        f = tables.filings
        problems = [
            (f.c.accepted_at < f.c.submitted_at, "accepted before it was submitted"),
            (f.c.completed_at < f.c.accepted_at, "completed before it was accepted"),
            (
                suspension_ends_before_it_starts(),
                "a supplement received (or special procedure ended) before it was requested "
                "(started)",
            ),
        ]
        return filing_findings(case(*problems)).where(or_(*(c for c, _ in problems)))
