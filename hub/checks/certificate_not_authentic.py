"""A certificate whose signature does not hold as sync last checked it (hub.authenticity):
forged, altered after signing, of an unknown or revoked key, or another document file. An
unsigned one counts only when its issuing department has keys configured (then it should
have signed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub import tables
from hub.authenticity import AuthenticityState
from hub.checks._certificates import with_issuer
from hub.checks.base import CheckContext, CheckRule, Finding
from hub.checks.sql import live


class CertificateNotAuthentic(CheckRule):
    name = "certificate_not_authentic"
    description = (
        "A certificate's issuer signature does not hold (forged, altered after signing, "
        "unknown or revoked key, another document), or is missing though its issuer signs."
    )
    entity = "outcome"

    async def run(self, ctx: CheckContext) -> list[Finding]:
        o, a = tables.outcomes, tables.outcome_authenticity
        joined, department = with_issuer()
        query = (
            select(
                o.c.key,
                o.c.project_code,
                o.c.document_type,
                o.c.document_number,
                a.c.state,
                a.c.key_id,
                a.c.reason,
                department.label("department"),
            )
            .select_from(joined.join(a, a.c.outcome_key == o.c.key))
            .where(live(o), a.c.state != AuthenticityState.VERIFIED.value)
            .order_by(o.c.key)
        )
        signing = set(ctx.config.keys)
        return [
            self._finding(row)
            for row in await ctx.conn.execute(query)
            if row.state != AuthenticityState.UNSIGNED.value or row.department in signing
        ]

    def _finding(self, row: Any) -> Finding:
        return Finding(
            rule=self.name,
            entity=self.entity,
            key=row.key,
            project_code=row.project_code,
            department_code=row.department,
            message=f"{row.document_type or 'certificate'} {row.document_number or row.key}: "
            f"{row.state}: {row.reason}",
            details={"state": row.state, "keyId": row.key_id},
        )
