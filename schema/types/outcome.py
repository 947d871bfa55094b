"""Outcome (办理结果): the decision, document or licence a filing ends with."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub import entities
from schema.types.enums import Decision, member
from schema.types.history import HistoryEntry, OutcomeField, history
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import JSON, columns, utc

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.authenticity import Authenticity
    from schema.types.filing import Filing


@strawberry.type(description="The outcome of a filing (批复/证照).")
class Outcome:
    key: str
    decision: Decision
    document_type: str | None
    document_number: str | None
    issued_at: datetime | None
    valid_until: date | None
    issuer: str | None
    holder: str | None
    attributes: JSON | None = strawberry.field(
        description="Further attributes, e.g. land parcel or floor area."
    )
    holder_credit_code: str | None
    document_sha256: str | None = strawberry.field(
        description="The sha256 (hex) of the document file, as its issuer signed it."
    )
    signing_key_id: str | None
    provenance: Provenance = provenance_field()
    source_row: strawberry.Private[Any]  # the row it was built from
    filing_key: strawberry.Private[str]
    project_code: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Any) -> Outcome:
        values = columns(row)
        return cls(
            key=values["key"],
            decision=member(entities.Decision, values["decision"]),
            document_type=values["document_type"],
            document_number=values["document_number"],
            issued_at=utc(values["issued_at"]),
            valid_until=values["valid_until"],
            issuer=values["issuer"],
            holder=values["holder"],
            attributes=values["attributes"],
            # .get: an as-of snapshot rebuilt from changes logged before these fields existed
            holder_credit_code=values.get("holder_credit_code"),
            document_sha256=values.get("document_sha256"),
            signing_key_id=values.get("signing_key_id"),
            source_row=row,
            filing_key=values["filing_key"],
            project_code=values["project_code"],
        )

    @strawberry.field(description="The filing this outcome decides.")
    async def filing(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Filing, strawberry.lazy("schema.types.filing")] | None:
        return await info.context.loaders.filing.load(self.filing_key)

    @strawberry.field(
        description="Whether the issuer's signature holds, as the sync that stored these "
        "values checked it (null: stored before the hub checked signatures)."
    )
    async def authenticity(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Authenticity, strawberry.lazy("schema.types.authenticity")] | None:
        return await info.context.loaders.authenticity.load(self.key)

    @strawberry.field(description="The recorded changes of this outcome, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: OutcomeField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "outcome", self.key, field)
