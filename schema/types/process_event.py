"""ProcessEvent (办理过程): one step of a filing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from hub import entities
from schema.types.attributes import attributes_field
from schema.types.enums import EventStep, member
from schema.types.history import HistoryEntry, ProcessEventField, history
from schema.types.node import Node
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import JSON, columns, utc

if TYPE_CHECKING:
    from schema.context import Context


@strawberry.type(description="A step of a filing's process (办理过程).")
class ProcessEvent(Node):
    key: str
    step: EventStep
    division: str | None = strawberry.field(description="The internal division (内设处室).")
    actor: str | None
    occurred_at: datetime
    opinion: str | None
    attributes: JSON | None = attributes_field()
    provenance: Provenance = provenance_field()
    source_row: strawberry.Private[Any]  # the row it was built from
    filing_key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Any) -> ProcessEvent:
        values = columns(row)
        return cls(
            key=values["key"],
            step=member(entities.EventStep, values["step"]),
            division=values["division"],
            actor=values["actor"],
            occurred_at=utc(values["occurred_at"]),
            opinion=values["opinion"],
            source_row=row,
            filing_key=values["filing_key"],
        )

    @strawberry.field(description="The recorded changes of this process event, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: ProcessEventField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "process_event", self.key, field)
