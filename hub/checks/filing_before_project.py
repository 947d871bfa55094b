"""A filing submitted before its project was registered (立项): the project code it uses did
not exist yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, literal, select

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import filing_department, live


class FilingBeforeProject(SqlRule):
    name = "filing_before_project"
    description = "A filing was submitted before its project was registered."
    entity = "filing"
    detail_columns = ("submitted_at", "registered_at")

    def query(self, ctx: CheckContext) -> Select[Any]:
        f, p, m = tables.filings, tables.projects, tables.matters
        return (
            select(
                f.c.key.label("key"),
                f.c.project_code.label("project_code"),
                filing_department(m).label("department"),
                literal("submitted before its project was registered").label("message"),
                f.c.submitted_at.label("submitted_at"),
                p.c.registered_at.label("registered_at"),
            )
            .select_from(
                f.join(p, and_(p.c.code == f.c.project_code, live(p))).outerjoin(
                    m, and_(m.c.code == f.c.matter_code, live(m))
                )
            )
            .where(live(f), f.c.submitted_at < p.c.registered_at)
        )
