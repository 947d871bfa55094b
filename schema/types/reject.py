"""Reject: a source row that failed mapping or validation, kept with its reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from schema.types.scalars import JSON, utc


@strawberry.type(description="A quarantined source row: its raw content and why it was rejected.")
class Reject:
    id: int
    connector: str
    stream: str
    entity: str
    sync_run_id: int | None
    source_key: str | None
    raw: JSON | None = strawberry.field(
        description="The source row as read; null for a role without clearance for sensitive "
        "fields."
    )
    reasons: JSON = strawberry.field(description="What is wrong with it (a list of messages).")
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Reject:
        return cls(
            id=row.id,
            connector=row.connector,
            stream=row.stream,
            entity=row.entity,
            sync_run_id=row.sync_run_id,
            source_key=row.source_key,
            raw=row.raw,
            reasons=row.reasons,
            created_at=utc(row.created_at),
        )
