"""A filing or a matter names a department the hub does not know."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, literal, select

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import live


class UnknownDepartmentCode(SqlRule):
    name = "unknown_department_code"
    description = "A filing names a department code that is not among the departments."
    entity = "filing"
    detail_columns = ("department_code",)

    def query(self, ctx: CheckContext) -> Select[Any]:
        f, d = tables.filings, tables.departments
        return select(
            f.c.key.label("key"),
            f.c.project_code.label("project_code"),
            # Whose data it is: the reporting connector's department (the named one is unknown).
            ctx.department_of_connector(f.c.src_connector).label("department"),
            (literal("unknown department code ") + f.c.department_code).label("message"),
            f.c.department_code.label("department_code"),
        ).where(
            live(f),
            f.c.department_code.is_not(None),
            ~exists().where(d.c.code == f.c.department_code, live(d)),
            exists().where(live(d)),  # none synced yet (a first sync): nothing to judge
        )
