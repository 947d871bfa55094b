"""SyncRun: one run of a connector's sync, with its counts and error."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Select, select

from hub import tables
from schema.operators import naive_utc
from schema.types.enums import to_enum
from schema.types.scalars import utc


@strawberry.enum(description="State of a sync run.")
class SyncRunState(enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = strawberry.enum_value(
        "partial", description="Stored what it read, but skipped files that failed as a whole."
    )
    FAILED = "failed"


@strawberry.type(description="One run of a connector's sync.")
class SyncRun:
    id: int
    connector: str
    mode: str = strawberry.field(description="full or incremental.")
    state: SyncRunState | None
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    rows_warned: int = strawberry.field(
        description="Records stored with an invalid optional value emptied (on_invalid = null)."
    )
    orphans: int = strawberry.field(description="Rows referencing a project not synced yet.")
    error: str | None

    @classmethod
    def from_row(cls, row: Any) -> SyncRun:
        return cls(
            id=row.id,
            connector=row.connector,
            mode=row.mode,
            state=to_enum(SyncRunState, row.state),
            started_at=utc(row.started_at),
            finished_at=utc(row.finished_at),
            rows_read=row.rows_read,
            rows_inserted=row.rows_inserted,
            rows_updated=row.rows_updated,
            rows_unchanged=row.rows_unchanged,
            rows_rejected=row.rows_rejected,
            rows_warned=row.rows_warned,
            orphans=row.orphans,
            error=row.error,
        )


@strawberry.input(description="Which sync runs: every condition given must hold.")
class SyncRunFilter:
    connector: str | None = None
    state: SyncRunState | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


def sync_runs_query(filter: SyncRunFilter | None) -> Select[Any]:
    """The runs ``syncRuns(filter)`` lists (unordered)."""
    s = tables.sync_runs
    query = select(s)
    if filter is not None:
        if filter.connector is not None:
            query = query.where(s.c.connector == filter.connector)
        if filter.state is not None:
            query = query.where(s.c.state == filter.state.value)
        if filter.started_after is not None:
            query = query.where(s.c.started_at > naive_utc(filter.started_after))
        if filter.started_before is not None:
            query = query.where(s.c.started_at < naive_utc(filter.started_before))
    return query
