"""Where a row came from: every entity type exposes it as ``provenance``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.types.scalars import utc

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.department import Department


@strawberry.type(description="The connector and source record a row was synced from.")
class Provenance:
    connector: str
    source_key: str
    synced_at: datetime = strawberry.field(description="When sync last wrote the row.")

    @strawberry.field(description="The department whose system the connector reads (config).")
    def department_code(self, info: strawberry.Info[Context, None]) -> str | None:
        return info.context.connector_departments.get(self.connector)

    @strawberry.field(description="The department whose system the connector reads.")
    async def department(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Department, strawberry.lazy("schema.types.department")] | None:
        code = info.context.connector_departments.get(self.connector)
        return None if code is None else await info.context.loaders.department.load(code)


def provenance_of(row: Any) -> Provenance:
    """The provenance columns of an entity row."""
    return Provenance(
        connector=row.src_connector, source_key=row.src_key, synced_at=utc(row.synced_at)
    )


def _provenance(root: Any) -> Provenance:
    return provenance_of(root.source_row)


def provenance_field() -> Any:
    """The ``provenance`` field of an entity type, built from the type's ``source_row`` only
    when asked for (list pages rarely ask, and building it for every row cost them)."""
    return strawberry.field(
        resolver=_provenance, description="The connector and source record the row came from."
    )
