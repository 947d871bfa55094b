"""ProjectAnnotation: what a supervisor or the owner says holds a project up, and IdleCause, a
cause of the ``[idle]`` taxonomy (``hub.idle``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from hub.config import IdleConfig
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import columns, utc

if TYPE_CHECKING:
    from schema.context import Context


@strawberry.type(description="A cause of the idle-project taxonomy (项目滞后原因, config [idle]).")
class IdleCause:
    code: str
    name: str
    land: bool = strawberry.field(description="The seed reports land (用地落实) apart.")

    @classmethod
    def of(cls, config: IdleConfig, code: str) -> IdleCause:
        """The configured cause ``code``; one the taxonomy no longer has keeps its code."""
        cause = next((c for c in config.causes if c.code == code), None)
        if cause is None:
            return cls(code=code, name=code, land=False)
        return cls(code=cause.code, name=cause.name, land=cause.land)


@strawberry.type(
    description="A project's annotation (滞后原因说明): the cause of its delay, a note, who gave "
    "it and when."
)
class ProjectAnnotation:
    key: str
    project_code: str
    note: str | None
    author: str | None = strawberry.field(description="Who gave the cause.")
    noted_at: datetime = strawberry.field(description="When the cause was given.")
    provenance: Provenance = provenance_field()
    cause_code: strawberry.Private[str]
    source_row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> ProjectAnnotation:
        values = columns(row)
        return cls(
            key=values["key"],
            project_code=values["project_code"],
            note=values["note"],
            author=values["author"],
            noted_at=utc(values["noted_at"]),
            cause_code=values["cause"],
            source_row=row,
        )

    @strawberry.field(description="The cause, a code of the taxonomy.")
    def cause(self, info: strawberry.Info[Context, None]) -> IdleCause:
        return IdleCause.of(info.context.idle_config, self.cause_code)
