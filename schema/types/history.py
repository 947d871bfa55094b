"""The history of an entity's fields, read from the change log (``changes``)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

from hub.entities import ENTITIES, camel_case, graph_record
from schema.types.scalars import JSON, BigInt, utc

if TYPE_CHECKING:
    from hub.policy import Viewer
    from schema.context import Context


@strawberry.type(description="One change the hub recorded for an entity (from the change log).")
class HistoryEntry:
    seq: BigInt = strawberry.field(description="Position in the change log (monotonic).")
    op: str = strawberry.field(description="created, updated, deleted or restored.")
    field: str | None = strawberry.field(
        description="The changed field (GraphQL name); null for a whole-record change."
    )
    old_value: JSON | None
    new_value: JSON | None = strawberry.field(
        description="The new value; for `created`, the field's first value (or every value "
        "when no field was asked for)."
    )
    connector: str
    department_code: str | None
    sync_run_id: int | None
    source_time: datetime | None
    recorded_at: datetime

    @classmethod
    def from_row(
        cls, row: Any, field: str | None, masked: tuple[Viewer, str] | None = None
    ) -> HistoryEntry:
        """The entry of a change row, narrowed to ``field`` (snake_case) when given; with
        ``masked`` (a viewer and the entity), its values as the viewer reads the record."""
        old_value, new_value = row.old_value, row.new_value
        if masked is not None:
            viewer, entity = masked
            full = bool(row.viewer_full)
            if row.field is not None:
                old_value = viewer.mask_value(entity, row.field, old_value, full)
                new_value = viewer.mask_value(entity, row.field, new_value, full)
            else:
                old_value, new_value = (
                    viewer.mask_record(entity, v, full) if isinstance(v, dict) else v
                    for v in (old_value, new_value)
                )
        if field is not None and row.op == "created" and isinstance(new_value, dict):
            new_value = new_value.get(field)
        elif row.field is None:
            new_value = graph_record(new_value)
        return cls(
            seq=row.seq,
            op=row.op,
            field=camel_case(name) if (name := row.field or field) else None,
            old_value=old_value,
            new_value=new_value,
            connector=row.connector,
            department_code=row.department_code,
            sync_run_id=row.sync_run_id,
            source_time=utc(row.source_time),
            recorded_at=utc(row.recorded_at),
        )


def _field_enum(entity: str) -> type[enum.Enum]:
    title = "".join(part.title() for part in entity.split("_"))
    members = {f.name.upper(): f.name for f in ENTITIES[entity].fields}
    kind: type[enum.Enum] = enum.Enum(f"{title}Field", members)  # type: ignore[misc]
    return strawberry.enum(kind, description=f"A field of {title}, for its history.")


FIELD_ENUMS: dict[str, type[enum.Enum]] = {name: _field_enum(name) for name in ENTITIES}
if TYPE_CHECKING:
    # Built at run time from the entities' fields: statically, any enum.
    DepartmentField: TypeAlias = enum.Enum
    MatterField: TypeAlias = enum.Enum
    ProjectField: TypeAlias = enum.Enum
    FilingField: TypeAlias = enum.Enum
    ProcessEventField: TypeAlias = enum.Enum
    OutcomeField: TypeAlias = enum.Enum
else:
    DepartmentField = FIELD_ENUMS["department"]
    MatterField = FIELD_ENUMS["matter"]
    ProjectField = FIELD_ENUMS["project"]
    FilingField = FIELD_ENUMS["filing"]
    ProcessEventField = FIELD_ENUMS["process_event"]
    OutcomeField = FIELD_ENUMS["outcome"]


async def history(
    info: strawberry.Info[Context, None], entity: str, key: str, field: enum.Enum | None
) -> list[HistoryEntry]:
    """The changes of one entity, oldest first; with ``field``, only those that set it."""
    rows = await info.context.loaders.history.load((entity, key))
    name = None if field is None else field.value
    viewer = info.context.viewer
    return [
        HistoryEntry.from_row(row, name, None if viewer.unrestricted else (viewer, entity))
        for row in rows
        if name is None or row.field in (None, name)  # whole-record changes concern every field
    ]
