"""ProcessEvent (办理过程): one step of a filing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from hub import entities
from schema.types.enums import EventStep
from schema.types.history import HistoryEntry, ProcessEventField, history
from schema.types.provenance import Provenance, provenance_of
from schema.types.scalars import utc

if TYPE_CHECKING:
    from schema.context import Context


@strawberry.type(description="A step of a filing's process (办理过程).")
class ProcessEvent:
    key: str
    step: EventStep
    division: str | None = strawberry.field(description="The internal division (内设处室).")
    actor: str | None
    occurred_at: datetime
    opinion: str | None
    provenance: Provenance
    filing_key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> ProcessEvent:
        return cls(
            key=row.key,
            step=entities.EventStep(row.step),
            division=row.division,
            actor=row.actor,
            occurred_at=utc(row.occurred_at),
            opinion=row.opinion,
            provenance=provenance_of(row),
            filing_key=row.filing_key,
        )

    @strawberry.field(description="The recorded changes of this process event, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: ProcessEventField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "process_event", self.key, field)
