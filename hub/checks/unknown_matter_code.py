"""A filing names a matter the catalogue does not have: sync stores it (the catalogue may arrive
later), and this rule says so until it does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, func, literal, select

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import live


class UnknownMatterCode(SqlRule):
    name = "unknown_matter_code"
    description = "A filing names a matter code that is not in the catalogue."
    entity = "filing"
    detail_columns = ("matter_code",)

    def query(self, ctx: CheckContext) -> Select[Any]:
        f, m = tables.filings, tables.matters
        return select(
            f.c.key.label("key"),
            f.c.project_code.label("project_code"),
            func.coalesce(
                f.c.department_code, ctx.department_of_connector(f.c.src_connector)
            ).label("department"),
            (literal("unknown matter code ") + f.c.matter_code).label("message"),
            f.c.matter_code.label("matter_code"),
        ).where(
            live(f),
            ~exists().where(m.c.code == f.c.matter_code, live(m)),
            # Before any catalogue has arrived (a first sync), nothing can be judged.
            exists().where(live(m)),
        )
