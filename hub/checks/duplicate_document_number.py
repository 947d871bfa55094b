"""The same document number (文号/证号) on two outcomes: every outcome sharing it is a finding."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, literal, select

from hub import tables
from hub.checks.base import CheckContext, SqlRule
from hub.checks.sql import filing_department, live


class DuplicateDocumentNumber(SqlRule):
    name = "duplicate_document_number"
    description = "Two or more outcomes carry the same document number."
    entity = "outcome"
    detail_columns = ("document_number", "outcomes")

    def query(self, ctx: CheckContext) -> Select[Any]:
        o, f, m = tables.outcomes, tables.filings, tables.matters
        shared = (
            select(o.c.document_number, func.count().label("outcomes"))
            .where(live(o), o.c.document_number.is_not(None))
            .group_by(o.c.document_number)
            .having(func.count() > 1)
            .subquery("shared_numbers")
        )
        return (
            select(
                o.c.key.label("key"),
                o.c.project_code.label("project_code"),
                filing_department(m).label("department"),
                (
                    literal("document number ") + o.c.document_number + " is on other outcomes too"
                ).label("message"),
                o.c.document_number.label("document_number"),
                shared.c.outcomes.label("outcomes"),
            )
            .select_from(
                o.join(shared, shared.c.document_number == o.c.document_number)
                .outerjoin(f, and_(f.c.key == o.c.filing_key, live(f)))
                .outerjoin(m, and_(m.c.code == f.c.matter_code, live(m)))
            )
            .where(live(o))
        )
