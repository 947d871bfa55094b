"""Conflict: a value offered by a source that is not authoritative for the field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.types.scalars import JSON, utc


@strawberry.type(
    description="A differing value from a non-authoritative source: recorded, not applied."
)
class Conflict:
    id: int
    entity: str
    entity_key: str
    project_code: str | None
    field: str
    authority: str = strawberry.field(description="The authoritative connector.")
    connector: str = strawberry.field(description="The connector that offered another value.")
    stored_value: JSON | None
    offered_value: JSON | None
    sync_run_id: int | None
    detected_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Conflict:
        return cls(
            id=row.id,
            entity=row.entity,
            entity_key=row.entity_key,
            project_code=row.project_code,
            field=row.field,
            authority=row.authority,
            connector=row.connector,
            stored_value=row.stored_value,
            offered_value=row.offered_value,
            sync_run_id=row.sync_run_id,
            detected_at=utc(row.detected_at),
            resolved_at=utc(row.resolved_at),
        )
