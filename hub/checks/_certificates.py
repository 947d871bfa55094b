"""The certificates the cross-certificate rules (业务真伪) compare: every live approved outcome
with its project's owner, its matter's stage and the department responsible."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Join, and_, select

from hub import tables
from hub.checks.base import CheckContext
from hub.checks.sql import filing_department, live
from hub.entities import Decision, Stage

# The approval chain 用地规划许可 -> 工程规划许可 -> 施工许可 -> 竣工验收, in order.
CHAIN = (
    Stage.LAND_PLANNING.value,
    Stage.ENGINEERING_PERMIT.value,
    Stage.CONSTRUCTION_PERMIT.value,
    Stage.COMPLETION_ACCEPTANCE.value,
)


def with_issuer() -> tuple[Join, ColumnElement[Any]]:
    """Outcomes joined to their live filing and its matter, and the department responsible."""
    o, f, m = tables.outcomes, tables.filings, tables.matters
    joined = o.outerjoin(f, and_(f.c.key == o.c.filing_key, live(f))).outerjoin(
        m, and_(m.c.code == f.c.matter_code, live(m))
    )
    return joined, filing_department(m)


async def certificates_by_project(ctx: CheckContext) -> dict[str, list[Any]]:
    """Project code -> its approved certificates, in chain order (then issue time, key)."""
    o, m, p = tables.outcomes, tables.matters, tables.projects
    joined, department = with_issuer()
    query = (
        select(
            o.c.key,
            o.c.project_code,
            o.c.document_type,
            o.c.document_number,
            o.c.holder,
            o.c.holder_credit_code,
            o.c.attributes,
            o.c.issued_at,
            m.c.stage,
            department.label("department"),
            p.c.owner_name,
            p.c.owner_credit_code,
        )
        .select_from(joined.outerjoin(p, and_(p.c.code == o.c.project_code, live(p))))
        .where(live(o), o.c.decision == Decision.APPROVED.value, o.c.project_code.is_not(None))
    )
    found: dict[str, list[Any]] = defaultdict(list)
    for row in await ctx.conn.execute(query):
        found[row.project_code].append(row)
    for rows in found.values():
        rows.sort(key=_chain_position)
    return found


def _chain_position(row: Any) -> tuple[int, Any, str]:
    stage = CHAIN.index(row.stage) if row.stage in CHAIN else len(CHAIN)
    return (stage, row.issued_at or 0, row.key)


def named(row: Any) -> str:
    """How a finding names a certificate: its type and number."""
    return f"{row.document_type or 'certificate'} {row.document_number or row.key}"


def majority(values: Sequence[str]) -> str | None:
    """The most common value (the first seen among equals), None for no values."""
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda v: counts[v]) if counts else None
