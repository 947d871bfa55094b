"""A filing or a matter names a department the hub does not know."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import unknown_codes


class UnknownDepartmentCode(SqlRule):
    name = "unknown_department_code"
    description = "A filing names a department code that is not among the departments."
    entity = "filing"
    detail_columns = ("department_code",)

    def query(self, ctx: CheckContext) -> Select[Any]:
        f = tables.filings
        # Whose data it is: the reporting connector's department (the named one is unknown).
        reporter = ctx.department_of_connector(f.c.src_connector)
        return unknown_codes(f.c.department_code, tables.departments, "department", reporter)
