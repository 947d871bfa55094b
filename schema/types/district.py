"""Administrative divisions (行政区划) a project can be located in: the codes are the data's,
the names and parents the reference data a region configures or syncs (``hub.divisions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry

if TYPE_CHECKING:
    from schema.context import Context


@strawberry.type(description="An administrative division (行政区划代码 and name).")
class District:
    code: str

    @classmethod
    def of(cls, code: str | None) -> District | None:
        return None if code is None else cls(code=code)

    async def _row(self, info: strawberry.Info[Context, None]) -> Any:
        return await info.context.loaders.division.load(self.code)

    @strawberry.field(
        description="Its name, from the divisions the hub is configured with ([[divisions]]) "
        "or syncs; null for a code it does not know."
    )
    async def name(self, info: strawberry.Info[Context, None]) -> str | None:
        row = await self._row(info)
        return None if row is None else str(row.name)

    @strawberry.field(description="The division it belongs to (a district's city), if known.")
    async def parent(self, info: strawberry.Info[Context, None]) -> District | None:
        row = await self._row(info)
        return None if row is None else District.of(row.parent)
