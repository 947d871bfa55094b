"""A filing's status that its outcomes contradict: APPROVED without an approving outcome, or an
outcome on a filing still in progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, exists, or_

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import filing_findings, live
from hub.entities import Decision, FilingStatus

OPEN = (
    FilingStatus.SUBMITTED.value,
    FilingStatus.ACCEPTED.value,
    FilingStatus.IN_PROGRESS.value,
    FilingStatus.SUPPLEMENT.value,
)


class StatusContradictsOutcome(SqlRule):
    name = "status_contradicts_outcome"
    description = (
        "A filing is APPROVED without an approving outcome, or has an outcome while still in "
        "progress."
    )
    entity = "filing"
    detail_columns = ("status",)

    def query(self, ctx: CheckContext) -> Select[Any]:
        f, o = tables.filings, tables.outcomes
        any_outcome = exists().where(o.c.filing_key == f.c.key, live(o))
        approving = exists().where(
            o.c.filing_key == f.c.key, live(o), o.c.decision == Decision.APPROVED.value
        )
        approved_without = and_(f.c.status == FilingStatus.APPROVED.value, ~approving)
        open_with = and_(f.c.status.in_(OPEN), any_outcome)
        message = case(
            (approved_without, "APPROVED without an approving outcome"),
            else_="an outcome on a filing still in progress",
        )
        return filing_findings(message, f.c.status.label("status")).where(
            or_(approved_without, open_with)
        )
