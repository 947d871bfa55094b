"""Applicant (申请人): everything the hub holds of one credit code, its projects and
certificates, with every inconsistency the data checks found in them (业务真伪)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy import and_, or_, select

from hub import tables
from schema.live import live
from schema.types.outcome import Outcome
from schema.types.project import Project
from schema.types.scalars import JSON, utc

if TYPE_CHECKING:
    from schema.context import Context


@strawberry.type(
    description="An open data-check finding (数据检查) about a project or certificate."
)
class Inconsistency:
    rule: str
    severity: str
    entity: str
    key: str
    project_code: str | None
    department_code: str | None = strawberry.field(description="The department responsible.")
    message: str
    details: JSON | None
    first_seen: datetime

    @classmethod
    def from_row(cls, row: Any) -> Inconsistency:
        return cls(
            rule=row.rule,
            severity=row.severity,
            entity=row.entity,
            key=row.entity_key,
            project_code=row.project_code,
            department_code=row.department_code,
            message=row.message,
            details=row.details,
            first_seen=utc(row.first_seen),
        )


@strawberry.type(description="One applicant (by 统一社会信用代码) across every department.")
class Applicant:
    credit_code: str
    names: list[str] = strawberry.field(
        description="Every name the applicant goes by as owner or holder (more than one is "
        "worth a look)."
    )
    projects: list[Project] = strawberry.field(description="The projects it owns.")
    certificates: list[Outcome] = strawberry.field(
        description="The outcomes of its projects and those issued to it, by issue time."
    )
    inconsistencies: list[Inconsistency] = strawberry.field(
        description="Every open finding about its projects or certificates."
    )


async def resolve_applicant(info: strawberry.Info[Context, None], credit_code: str) -> Applicant:
    """Three statements: projects, certificates, findings."""
    code = credit_code.strip().upper()
    p, o, f = tables.projects, tables.outcomes, tables.findings
    async with info.context.store.read() as conn:
        projects = (
            await conn.execute(
                select(p).where(p.c.owner_credit_code == code, live(p)).order_by(p.c.code)
            )
        ).all()
        codes = [row.code for row in projects]
        outcomes = (
            await conn.execute(
                select(o)
                .where(or_(o.c.holder_credit_code == code, o.c.project_code.in_(codes)), live(o))
                .order_by(o.c.issued_at, o.c.key)
            )
        ).all()
        keys = [row.key for row in outcomes]
        findings = (
            await conn.execute(
                select(f)
                .where(
                    f.c.resolved_at.is_(None),
                    or_(
                        f.c.project_code.in_(codes),
                        and_(f.c.entity == "outcome", f.c.entity_key.in_(keys)),
                    ),
                )
                .order_by(f.c.project_code, f.c.rule, f.c.entity_key)
            )
        ).all()
    names = {row.owner_name for row in projects} | {
        row.holder for row in outcomes if row.holder_credit_code == code
    }
    return Applicant(
        credit_code=code,
        names=sorted(n for n in names if n),
        projects=[Project.from_row(row) for row in projects],
        certificates=[Outcome.from_row(row) for row in outcomes],
        inconsistencies=[Inconsistency.from_row(row) for row in findings],
    )
