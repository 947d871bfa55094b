"""``orderBy`` inputs: a list of ``{field, direction}`` that becomes a keyset ``Ordering``.

The entity key is appended as the last sort field (unless already last), so the order is total
and cursors are exact. The ordering's name, stored in its cursors, spells the fields and
directions, so a cursor of another ordering is rejected.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Protocol, TypeAlias

import strawberry
from sqlalchemy import Table

from hub import tables
from hub.policy import ENTITY_OF_TABLE, SYSTEM, Viewer
from schema.errors import ForbiddenError
from schema.pagination import Ordering, SortField


@strawberry.enum(description="Sort direction. NULL sorts last ascending, first descending.")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


class SortKey(Protocol):
    """What an ``orderBy`` item holds (the input classes are built at run time)."""

    field: enum.Enum
    direction: SortDirection


class OrderSpec:
    """The ``orderBy`` input of one list: its field enum, its input type and its table."""

    def __init__(self, entity: str, table: Table, fields: str) -> None:
        self.entity = entity
        self.table = table
        (self.key,) = table.primary_key.columns
        kind: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
            f"{entity}OrderField", {name.upper(): name for name in fields.split()}
        )
        self.fields = strawberry.enum(kind, description=f"A field to sort {entity} by.")
        namespace = {
            "__annotations__": {"field": self.fields, "direction": SortDirection},
            "direction": SortDirection.ASC,
        }
        self.input = strawberry.input(
            type(f"{entity}Order", (), namespace), description=f"One sort key of {entity}s."
        )

    def ordering(
        self,
        order_by: list[SortKey] | None,
        default: tuple[str, ...] = (),
        viewer: Viewer = SYSTEM,
    ) -> Ordering:
        """The keyset ordering for an ``orderBy`` argument (``default`` fields, then the key,
        when not given). A field the viewer does not read as stored on every row it reads
        cannot be a sort key: the order would tell what it may not read."""
        entity = ENTITY_OF_TABLE[self.table.name]
        for given in order_by or ():
            if not viewer.unrestricted and not viewer.shows_plainly(entity, given.field.value):
                raise ForbiddenError(viewer.role, f"sort {self.entity}s by {given.field.value}")
        if order_by:
            sort = [
                SortField(self.table.c[given.field.value], given.direction is SortDirection.DESC)
                for given in order_by
            ]
        else:
            sort = [SortField(self.table.c[name]) for name in default]
        if not sort or sort[-1].column is not self.key:
            sort.append(SortField(self.key))
        spelled = ",".join(("-" if s.descending else "") + s.column.key for s in sort)
        return Ordering(f"{self.table.name}:{spelled}", tuple(sort))


PROJECT_ORDER = OrderSpec(
    "Project",
    tables.projects,
    "code name category funding district total_investment registered_at status",
)
FILING_ORDER = OrderSpec(
    "Filing",
    tables.filings,
    "key project_code matter_code department_code status submitted_at accepted_at completed_at",
)
EVENT_ORDER = OrderSpec("ProcessEvent", tables.process_events, "key filing_key step occurred_at")
OUTCOME_ORDER = OrderSpec(
    "Outcome", tables.outcomes, "key filing_key decision document_number issued_at valid_until"
)

if TYPE_CHECKING:
    ProjectOrder: TypeAlias = SortKey
    FilingOrder: TypeAlias = SortKey
    ProcessEventOrder: TypeAlias = SortKey
    OutcomeOrder: TypeAlias = SortKey
else:
    ProjectOrder = PROJECT_ORDER.input
    FilingOrder = FILING_ORDER.input
    ProcessEventOrder = EVENT_ORDER.input
    OutcomeOrder = OUTCOME_ORDER.input
