"""The change feed's types: one change-log entry, its filter and a page of them."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from hub.feed import Change as FeedChange
from hub.feed import ChangeFilter as FeedFilter
from hub.feed import FeedFilterError
from schema.errors import UserInputError
from schema.types.scalars import JSON, BigInt, utc


@strawberry.enum(description="What happened to a record.")
class ChangeOp(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"
    # The hub's own conclusion: a filing's time-limit alert (督办) began, changed or ended.
    SLA = "sla"
    # The hub's own conclusion: a data-check finding opened (new value) or closed (old value).
    FINDING = "finding"


@strawberry.type(description="Which sync reported a change.")
class ChangeSource:
    connector: str
    department: str | None
    sync_run: int | None


@strawberry.type(description="One entry of the change log (变更日志), in seq order.")
class Change:
    seq: BigInt = strawberry.field(description="Position in the log; resume after it.")
    op: ChangeOp
    entity: str
    key: str
    project_code: str | None
    matter_code: str | None = strawberry.field(
        description="The matter of the filing this change concerns (filing, process event, "
        "outcome and matter changes)."
    )
    field: str | None = strawberry.field(description="The updated field; null for a whole record.")
    old_value: JSON | None
    new_value: JSON | None = strawberry.field(
        description="The new value; for a created or restored record, its values by field."
    )
    source: ChangeSource
    source_time: datetime | None
    recorded_at: datetime
    cut_to: strawberry.Private[frozenset[str]] = frozenset()

    @property
    def event_key(self) -> tuple[int, frozenset[str]]:
        """What identifies the content, for ``schema.engine.shared_events``: the entry at a seq
        never changes, and record values are cut to the subscriber's fields
        (``FeedScope.shape``)."""
        return self.seq, self.cut_to

    @classmethod
    def from_change(cls, change: FeedChange, cut_to: frozenset[str] = frozenset()) -> Change:
        """The change as a subscriber whose filter has the fields ``cut_to`` receives it."""
        return cls(
            seq=BigInt(change.seq),
            op=ChangeOp(change.op),
            entity=change.entity,
            key=change.key,
            project_code=change.project_code,
            matter_code=change.matter_code,
            field=change.field,
            old_value=change.old_value,
            new_value=change.new_value,
            source=ChangeSource(
                connector=change.connector,
                department=change.department_code,
                sync_run=change.sync_run_id,
            ),
            source_time=utc(change.source_time),
            recorded_at=utc(change.recorded_at),
            cut_to=cut_to,
        )


@strawberry.input(
    description="Which changes to receive. Every list given must match; an empty or missing "
    "list matches all. Record-level changes (created, deleted, restored) pass a field filter, "
    "their values cut to those fields."
)
class ChangeFilter:
    entities: list[str] | None = strawberry.field(
        default=None, description="Entity names: department, matter, project, filing, ..."
    )
    fields: list[str] | None = strawberry.field(
        default=None, description="Field names of those entities, e.g. status."
    )
    project_codes: list[str] | None = None
    department_codes: list[str] | None = strawberry.field(
        default=None, description="Departments whose connectors reported the change."
    )
    matter_codes: list[str] | None = None
    ops: list[ChangeOp] | None = strawberry.field(
        default=None, description="Kinds of change, e.g. [SLA] for the time-limit alerts only."
    )
    prerequisites_of: list[str] | None = strawberry.field(
        default=None,
        description="Matter codes a department handles: receive the outcomes and filing state "
        "changes of the matters they require (前置, from the catalogue at delivery time), for "
        "the projects that file one of them.",
    )

    def build(self) -> FeedFilter:
        try:
            return FeedFilter.build(
                entities=self.entities,
                fields=self.fields,
                project_codes=self.project_codes,
                departments=self.department_codes,
                matter_codes=self.matter_codes,
                ops=None if self.ops is None else [op.value for op in self.ops],
                prerequisites_of=self.prerequisites_of,
            )
        except FeedFilterError as exc:
            raise UserInputError(str(exc), code="INVALID_FILTER") from None


def build_filter(given: ChangeFilter | None) -> FeedFilter:
    return FeedFilter() if given is None else given.build()


@strawberry.type(description="A change filter as stored (a webhook's).")
class ChangeFilterSpec:
    entities: list[str]
    fields: list[str]
    project_codes: list[str]
    department_codes: list[str]
    matter_codes: list[str]
    ops: list[ChangeOp]
    prerequisites_of: list[str]

    @classmethod
    def from_filter(cls, value: FeedFilter) -> ChangeFilterSpec:
        return cls(
            entities=sorted(value.entities),
            fields=sorted(value.fields),
            project_codes=sorted(value.project_codes),
            department_codes=sorted(value.departments),
            matter_codes=sorted(value.matter_codes),
            ops=[ChangeOp(op) for op in sorted(value.ops)],
            prerequisites_of=sorted(value.prerequisites_of),
        )


@strawberry.type(description="Changes after a seq, for clients that poll.")
class ChangePage:
    nodes: list[Change]
    end_seq: BigInt = strawberry.field(
        description="Pass as `after` next time; beyond the last node when the page is not "
        "full, so that a narrow filter does not rescan the log."
    )
    has_more: bool = strawberry.field(description="True when more changes are ready now.")
