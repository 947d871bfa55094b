"""SourceFile: a drop file a csv or excel connector read, and whether it was applied."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from hub.status import FileStatus
from schema.types.scalars import utc


@strawberry.enum(description="What became of a drop file's latest content.")
class SourceFileState(enum.Enum):
    APPLIED = "applied"
    FAILED = "failed"


@strawberry.type(description="A drop file (its latest content): applied, or failed and why.")
class SourceFile:
    connector: str
    file: str = strawberry.field(description="Path in the drop folder, then '#' and the stream.")
    state: SourceFileState
    rows: int
    error: str | None = strawberry.field(description="Why the file failed as a whole.")
    processed_at: datetime

    @classmethod
    def from_status(cls, status: FileStatus) -> SourceFile:
        return cls(
            connector=status.connector,
            file=status.file,
            state=SourceFileState(status.state),
            rows=status.rows,
            error=status.error,
            processed_at=utc(status.processed_at),
        )
