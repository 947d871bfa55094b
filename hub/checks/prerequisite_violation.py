"""A filing accepted while a prerequisite (前置) was not in force: missing, approved only after
the acceptance, or expired by then (``hub.checks.prerequisites``). One finding per filing,
naming each prerequisite and its state."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, select

from hub import tables
from hub.checks.base import CheckContext, CheckRule, Finding
from hub.checks.prerequisites import violations
from hub.checks.sql import filing_department, live
from hub.mapping import json_safe


class PrerequisiteViolation(CheckRule):
    name = "prerequisite_violation"
    description = (
        "A filing was accepted while a prerequisite matter was missing, approved only later, "
        "or expired."
    )
    entity = "filing"

    async def run(self, ctx: CheckContext) -> list[Finding]:
        f, m = tables.filings, tables.matters
        found = violations(ctx.store, ctx.as_of).subquery("violations")
        query = (
            select(found, filing_department(m).label("department"))
            .select_from(
                found.join(f, f.c.key == found.c.filing_key).outerjoin(
                    m, and_(m.c.code == f.c.matter_code, live(m))
                )
            )
            .order_by(found.c.filing_key, found.c.required_code)
        )
        by_filing: dict[str, list[Any]] = defaultdict(list)
        for row in await ctx.conn.execute(query):
            by_filing[row.filing_key].append(row)
        return [
            Finding(
                rule=self.name,
                entity=self.entity,
                key=key,
                project_code=rows[0].project_code,
                department_code=rows[0].department,
                message="accepted while "
                + ", ".join(f"{row.required_code} was {row.state}" for row in rows),
                details={
                    "prerequisites": [
                        {
                            "matter": row.required_code,
                            "state": row.state,
                            "outcome": row.outcome_key,
                            "issuedAt": json_safe(row.issued_at),
                        }
                        for row in rows
                    ],
                    "acceptedAt": json_safe(rows[0].used_at),
                },
            )
            for key, rows in by_filing.items()
        ]
