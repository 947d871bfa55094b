"""A filing submitted before its project was registered (立项): the project code it uses did
not exist yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, literal

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import filing_findings, live


class FilingBeforeProject(SqlRule):
    name = "filing_before_project"
    description = "A filing was submitted before its project was registered."
    entity = "filing"
    detail_columns = ("submitted_at", "registered_at")

    def query(self, ctx: CheckContext) -> Select[Any]:
        f, p = tables.filings, tables.projects
        message = literal("submitted before its project was registered")
        return (
            filing_findings(
                message,
                f.c.submitted_at.label("submitted_at"),
                p.c.registered_at.label("registered_at"),
            )
            .join(p, and_(p.c.code == f.c.project_code, live(p)))
            .where(f.c.submitted_at < p.c.registered_at)
        )
