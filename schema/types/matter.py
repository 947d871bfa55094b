"""Matter (事项): an entry of the approval catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub import entities
from schema.types.attributes import attributes_field
from schema.types.enums import Stage, TimeLimitClass, member, to_enum
from schema.types.history import HistoryEntry, MatterField, history
from schema.types.node import Node
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import JSON, columns, unit_of

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.department import Department


@strawberry.type(description="An approval matter (事项) of the catalogue.")
class Matter(Node):
    code: str
    name: str
    stage: Stage
    time_limit_class: TimeLimitClass | None
    time_limit_days: int | None = strawberry.field(
        description=f"Time limit, in {unit_of(entities.MATTER, 'time_limit_days')} (working days)."
    )
    attributes: JSON | None = attributes_field()
    provenance: Provenance = provenance_field()
    source_row: strawberry.Private[Any]  # the row it was built from
    department_code: strawberry.Private[str]
    prerequisite_codes: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: Any) -> Matter:
        values = columns(row)
        prerequisites = values["prerequisites"]
        return cls(
            code=values["code"],
            name=values["name"],
            stage=member(entities.Stage, values["stage"]),
            time_limit_class=to_enum(entities.TimeLimitClass, values["time_limit_class"]),
            time_limit_days=values["time_limit_days"],
            source_row=row,
            department_code=values["department_code"],
            prerequisite_codes=[str(code) for code in prerequisites]
            if isinstance(prerequisites, list)
            else [],
        )

    @strawberry.field(description="The department that handles this matter.")
    async def department(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Department, strawberry.lazy("schema.types.department")] | None:
        return await info.context.loaders.department.load(self.department_code)

    @strawberry.field(
        description="Matters (前置事项) whose approved outcome must exist before this one."
    )
    async def prerequisites(self, info: strawberry.Info[Context, None]) -> list[Matter]:
        if not self.prerequisite_codes:
            return []
        found = await info.context.loaders.matter.load_many(self.prerequisite_codes)
        return [matter for matter in found if matter is not None]

    @strawberry.field(description="The recorded changes of this matter, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: MatterField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "matter", self.code, field)
