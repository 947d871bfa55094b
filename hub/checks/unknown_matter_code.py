"""A filing names a matter the catalogue does not have: sync stores it (the catalogue may arrive
later), and this rule says so until it does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import unknown_codes


class UnknownMatterCode(SqlRule):
    name = "unknown_matter_code"
    description = "A filing names a matter code that is not in the catalogue."
    entity = "filing"
    detail_columns = ("matter_code",)

    def query(self, ctx: CheckContext) -> Select[Any]:
        f = tables.filings
        department = func.coalesce(
            f.c.department_code, ctx.department_of_connector(f.c.src_connector)
        )
        return unknown_codes(f.c.matter_code, tables.matters, "matter", department)
