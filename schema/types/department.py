"""Department (部门): one of the city's departments that run approval matters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.types.attributes import attributes_field
from schema.types.history import DepartmentField, HistoryEntry, history
from schema.types.node import Node
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import JSON

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.matter import Matter


@strawberry.type(description="A department (部门) that handles approval matters.")
class Department(Node):
    code: str
    name: str
    credit_code: str | None = strawberry.field(
        description="Unified social credit code (统一社会信用代码)."
    )
    short_name: str | None
    attributes: JSON | None = attributes_field()
    provenance: Provenance = provenance_field()
    source_row: strawberry.Private[Any]  # the row it was built from

    @classmethod
    def from_row(cls, row: Any) -> Department:
        return cls(
            code=row.code,
            name=row.name,
            credit_code=row.credit_code,
            short_name=row.short_name,
            source_row=row,
        )

    @strawberry.field(description="The matters of the catalogue this department handles.")
    async def matters(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[Matter, strawberry.lazy("schema.types.matter")]]:
        return await info.context.loaders.matters_by_department.load(self.code)

    @strawberry.field(description="The recorded changes of this department, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: DepartmentField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "department", self.code, field)
