"""AuditEntry: one entry of the audit log (``hub.audit``, ``hub.auth.audit``), for auditors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Select, select

from hub import tables
from schema.operators import naive_utc
from schema.types.scalars import JSON, utc


@strawberry.type(
    description="Who did or read what, when: reads of sensitive fields, exports, verifications, "
    "pushes, token and webhook management."
)
class AuditEntry:
    id: int
    at: datetime
    actor: str = strawberry.field(description="The token's name (anonymous, cli).")
    action: str = strawberry.field(description="read, export, verification, ingest, token.create")
    detail: JSON | None = strawberry.field(
        description="For reads: token, role, department, operation, fields, records, request_id."
    )

    @classmethod
    def from_row(cls, row: Any) -> AuditEntry:
        return cls(id=row.id, at=utc(row.at), actor=row.actor, action=row.action, detail=row.detail)


@strawberry.input(description="Which audit entries: every condition given must hold.")
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    after: datetime | None = strawberry.field(default=None, description="At or after this.")
    before: datetime | None = strawberry.field(default=None, description="Before this.")

    def query(self) -> Select[Any]:
        a = tables.audit_entries
        query = select(a)
        if self.actor is not None:
            query = query.where(a.c.actor == self.actor)
        if self.action is not None:
            query = query.where(a.c.action == self.action)
        if self.after is not None:
            query = query.where(a.c.at >= naive_utc(self.after))
        if self.before is not None:
            query = query.where(a.c.at < naive_utc(self.before))
        return query
