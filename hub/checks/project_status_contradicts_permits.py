"""A project's status that its permits contradict: UNDER_CONSTRUCTION (or COMPLETED) without an
approved construction permit, COMPLETED without an approved completion acceptance. Which
matters are those permits is configured (``[checks] construction_permit_matters`` and
``completion_acceptance_matters``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, false, literal, or_, select

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import live
from hub.entities import FilingStatus, ProjectStatus

BUILDING = (ProjectStatus.UNDER_CONSTRUCTION.value, ProjectStatus.COMPLETED.value)


def approved(matters: Sequence[str]) -> ColumnElement[bool]:
    """The project (of ``tables.projects``, correlated) has an approved filing of one of
    ``matters``."""
    f, p = tables.filings, tables.projects
    if not matters:
        return literal(True)
    return exists().where(
        f.c.project_code == p.c.code,
        live(f),
        f.c.status == FilingStatus.APPROVED.value,
        f.c.matter_code.in_(sorted(matters)),
    )


class ProjectStatusContradictsPermits(SqlRule):
    name = "project_status_contradicts_permits"
    description = (
        "A project is UNDER_CONSTRUCTION or COMPLETED without an approved construction permit, "
        "or COMPLETED without an approved completion acceptance."
    )
    entity = "project"
    detail_columns = ("status",)

    def query(self, ctx: CheckContext) -> Select[Any]:
        p = tables.projects
        settings = ctx.config.checks
        no_permit = p.c.status.in_(BUILDING) & ~approved(settings.construction_permit_matters)
        not_accepted = (p.c.status == ProjectStatus.COMPLETED.value) & ~approved(
            settings.completion_acceptance_matters
        )
        checked = [
            problem
            for problem, matters in (
                (no_permit, settings.construction_permit_matters),
                (not_accepted, settings.completion_acceptance_matters),
            )
            if matters
        ]
        message = case(
            (no_permit, literal("") + p.c.status + " without an approved construction permit"),
            else_="COMPLETED without an approved completion acceptance",
        )
        return select(
            p.c.code.label("key"),
            p.c.code.label("project_code"),
            ctx.department_of_connector(p.c.src_connector).label("department"),
            message.label("message"),
            p.c.status.label("status"),
        ).where(live(p), or_(*checked) if checked else false())
