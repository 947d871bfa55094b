"""The change feed's one filter point, and reads of the change log in seq order.

Subscriptions, polling queries and webhooks all see the log through a ``FeedScope``: what the
subscriber asked for (a ``ChangeFilter``) and what the viewer may see (``hub.policy.Viewer``:
``FeedScope.visible`` / ``may_see`` let changes through, ``shape`` masks their values). A
scope is both an SQL predicate (for reads from the log) and a Python test (for the shared
reader's fan-out); the two are built from the same columns, including a filing's matter code,
which is resolved in SQL for filing, process_event, outcome and matter changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Row

from hub import tables
from hub.changelog import OPS
from hub.entities import ENTITIES, camel_case, graph_record
from hub.policy import SYSTEM, Viewer
from hub.store import Store

MAX_FILTER_VALUES = 1000
_c = tables.changes
_f = tables.filings


def _filing_matter(table: Any) -> Any:
    """The matter code of the filing that ``table``'s row (keyed by the change) belongs to."""
    return (
        select(_f.c.matter_code)
        .join(table, table.c.filing_key == _f.c.key)
        .where(table.c.key == _c.c.entity_key)
        .scalar_subquery()
    )


MATTER_CODE = case(
    (
        _c.c.entity == "filing",
        select(_f.c.matter_code).where(_f.c.key == _c.c.entity_key).scalar_subquery(),
    ),
    (_c.c.entity == "process_event", _filing_matter(tables.process_events)),
    (_c.c.entity == "outcome", _filing_matter(tables.outcomes)),
    (_c.c.entity == "matter", _c.c.entity_key),
    else_=literal(None),
).label("matter_code")


class FeedFilterError(ValueError):
    """Raised when a change filter names an unknown entity or field, or is too large."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"invalid change filter: {problem}")


@dataclass(frozen=True, slots=True)
class Change:
    """One change-log entry, with the matter code of the filing it concerns (if any)."""

    seq: int
    op: str
    entity: str
    key: str
    project_code: str | None
    field: str | None
    old_value: Any
    new_value: Any
    connector: str
    department_code: str | None
    sync_run_id: int | None
    source_time: datetime | None
    recorded_at: datetime
    matter_code: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Change:
        m = row._mapping
        return cls(
            seq=m["seq"],
            op=m["op"],
            entity=m["entity"],
            key=m["entity_key"],
            project_code=m["project_code"],
            field=m["field"],
            old_value=m["old_value"],
            new_value=m["new_value"],
            connector=m["connector"],
            department_code=m["department_code"],
            sync_run_id=m["sync_run_id"],
            source_time=m["source_time"],
            recorded_at=m["recorded_at"],
            matter_code=m["matter_code"],
        )

    def in_graph_names(self) -> Change:
        """The change as clients see it: its field, and a whole record's values by field, under
        the graph's (camelCase) names. The log and filters keep the entities' own names."""
        if self.field is not None:
            return replace(self, field=camel_case(self.field))
        return replace(
            self, old_value=graph_record(self.old_value), new_value=graph_record(self.new_value)
        )

    def to_json(self) -> dict[str, Any]:
        """The event as webhooks send it (times as ISO 8601 UTC, names as in the graph)."""

        def when(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(timespec="microseconds") + "Z"

        named = self.in_graph_names()
        return {
            "seq": named.seq,
            "op": named.op,
            "entity": named.entity,
            "key": named.key,
            "projectCode": named.project_code,
            "matterCode": named.matter_code,
            "field": named.field,
            "oldValue": named.old_value,
            "newValue": named.new_value,
            "source": {
                "connector": named.connector,
                "department": named.department_code,
                "syncRun": named.sync_run_id,
            },
            "sourceTime": when(named.source_time),
            "recordedAt": when(named.recorded_at),
        }


def _values(name: str, values: Iterable[str] | None) -> frozenset[str]:
    chosen = frozenset(values or ())
    if len(chosen) > MAX_FILTER_VALUES:
        raise FeedFilterError(f"{name}: at most {MAX_FILTER_VALUES} values, got {len(chosen)}")
    return chosen


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """What a subscriber asks for. Each non-empty set must match (AND); within a set any value
    matches (OR). ``fields`` selects updates of those fields; record-level changes (created,
    deleted, restored) of the chosen entities always pass, their values cut to those fields.
    ``departments`` are the departments whose connectors reported the change."""

    entities: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    project_codes: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    matter_codes: frozenset[str] = frozenset()
    ops: frozenset[str] = frozenset()
    # Catalogue-driven push (个性化推送): outcomes and filing state changes of the matters these
    # matters require, for the projects that file one of them; resolved from the catalogue in
    # SQL when the change is delivered, so a catalogue change counts without re-registering.
    prerequisites_of: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        entities: Iterable[str] | None = None,
        fields: Iterable[str] | None = None,
        project_codes: Iterable[str] | None = None,
        departments: Iterable[str] | None = None,
        matter_codes: Iterable[str] | None = None,
        ops: Iterable[str] | None = None,
        prerequisites_of: Iterable[str] | None = None,
    ) -> ChangeFilter:
        """A validated filter: unknown entities and fields are errors that list the known."""
        chosen = _values("entities", entities)
        unknown = sorted(chosen - set(ENTITIES))
        if unknown:
            raise FeedFilterError(
                f"unknown entit{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}; "
                f"known: {', '.join(sorted(ENTITIES))}"
            )
        # Fields by their graph (camelCase) names; the entities' own names are taken as well,
        # as filters stored with webhooks have them.
        known_fields = {
            spelling: name
            for e in (chosen or ENTITIES)
            for name in (*ENTITIES[e].by_name, *ENTITIES[e].derived_fields)
            for spelling in (camel_case(name), name)
        }
        given = _values("fields", fields)
        unknown = sorted(given - set(known_fields))
        if unknown:
            of = f"entities {', '.join(sorted(chosen))}" if chosen else "any entity"
            graph_names = sorted({camel_case(name) for name in known_fields.values()})
            raise FeedFilterError(
                f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} of {of}; "
                f"known: {', '.join(graph_names)}"
            )
        wanted = frozenset(known_fields[name] for name in given)
        kinds = _values("ops", ops)
        unknown = sorted(kinds - OPS)
        if unknown:
            raise FeedFilterError(
                f"unknown op {', '.join(unknown)}; known: {', '.join(sorted(OPS))}"
            )
        return cls(
            entities=chosen,
            fields=wanted,
            project_codes=_values("projectCodes", project_codes),
            departments=_values("departmentCodes", departments),
            matter_codes=_values("matterCodes", matter_codes),
            ops=kinds,
            prerequisites_of=_values("prerequisitesOf", prerequisites_of),
        )

    @classmethod
    def from_json(cls, data: dict[str, Sequence[str]]) -> ChangeFilter:
        return cls.build(**data)

    def to_json(self) -> dict[str, list[str]]:
        """The non-empty sets, sorted (as stored with a webhook)."""
        names = (
            "entities",
            "fields",
            "project_codes",
            "departments",
            "matter_codes",
            "ops",
            "prerequisites_of",
        )
        return {n: sorted(getattr(self, n)) for n in names if getattr(self, n)}


EVERYONE = SYSTEM


def _public_changes(viewer: Viewer) -> ColumnElement[bool]:
    """Changes of records in their public view: of an entity with one, setting no field or a
    public (or derived) field."""
    terms = []
    for name, spec in ENTITIES.items():
        if not viewer.has_public_view(name):
            continue
        shown = sorted(viewer.public[name] | set(spec.derived_fields))
        terms.append(and_(_c.c.entity == name, or_(_c.c.field.is_(None), _c.c.field.in_(shown))))
    return or_(false(), *terms)


def _public_change(viewer: Viewer, change: Change) -> bool:
    spec = ENTITIES.get(change.entity)
    if spec is None or not viewer.has_public_view(change.entity):
        return False
    field = change.field
    return field is None or field in viewer.public[change.entity] or field in spec.derived_fields


@dataclass(frozen=True, slots=True)
class FeedScope:
    """A filter as seen by one viewer: the only way the feed decides what someone receives."""

    filter: ChangeFilter = field(default_factory=ChangeFilter)
    viewer: Viewer = EVERYONE

    def _full(self) -> ColumnElement[bool]:
        """Changes a department sees in full: reported by it, or of a matter it needs."""
        viewer = self.viewer
        return or_(
            _c.c.department_code == viewer.department, MATTER_CODE.in_(sorted(viewer.needed))
        )

    def full(self, change: Change) -> bool:
        """``_full`` for one change (``data = "all"``: every change)."""
        viewer = self.viewer
        if viewer.rules.data == "all":
            return True
        if not viewer.by_department:
            return False
        return change.department_code == viewer.department or change.matter_code in viewer.needed

    def visible(self) -> ColumnElement[bool]:
        """The access rule in SQL (``hub.policy``; see ``may_see``)."""
        data = self.viewer.rules.data
        if data == "all":
            return true()
        if data == "none":
            return false()
        public = _public_changes(self.viewer)
        return or_(self._full(), public) if self.viewer.by_department else public

    def may_see(self, change: Change) -> bool:
        """The access rule: changes of records it sees in full, and of the public view."""
        data = self.viewer.rules.data
        if data == "none":
            return False
        return self.full(change) or _public_change(self.viewer, change)

    def where(self) -> ColumnElement[bool]:
        f = self.filter
        clauses: list[ColumnElement[bool]] = [self.visible()]
        if f.entities:
            clauses.append(_c.c.entity.in_(sorted(f.entities)))
        if f.fields:
            clauses.append(or_(_c.c.field.is_(None), _c.c.field.in_(sorted(f.fields))))
        if f.project_codes:
            clauses.append(_c.c.project_code.in_(sorted(f.project_codes)))
        if f.departments:
            clauses.append(_c.c.department_code.in_(sorted(f.departments)))
        if f.matter_codes:
            clauses.append(MATTER_CODE.in_(sorted(f.matter_codes)))
        if f.ops:
            clauses.append(_c.c.op.in_(sorted(f.ops)))
        if f.prerequisites_of:
            clauses.append(prerequisites_of(sorted(f.prerequisites_of)))
        return and_(*clauses)

    @property
    def resolved_in_store(self) -> bool:
        """Whether ``matches`` cannot decide alone: the scope reads the catalogue (the shared
        reader then asks ``where()`` for the changes it read)."""
        return bool(self.filter.prerequisites_of)

    def matches(self, change: Change) -> bool:
        """``where()`` for one change already read (the shared reader's fan-out), except for
        what only the store can say (``resolved_in_store``)."""
        f = self.filter
        return (
            self.may_see(change)
            and (not f.entities or change.entity in f.entities)
            and (not f.fields or change.field is None or change.field in f.fields)
            and (not f.project_codes or change.project_code in f.project_codes)
            and (not f.departments or change.department_code in f.departments)
            and (not f.matter_codes or change.matter_code in f.matter_codes)
            and (not f.ops or change.op in f.ops)
        )

    def shape(self, change: Change) -> Change:
        """The change as this subscriber receives it: record values cut to its fields, and
        masked as the viewer reads them (``hub.policy``)."""
        fields = self.filter.fields
        if fields and change.field is None:
            change = replace(
                change,
                old_value=_cut(change.old_value, fields),
                new_value=_cut(change.new_value, fields),
            )
        viewer = self.viewer
        if viewer.unrestricted or change.entity not in ENTITIES:
            return change
        full = self.full(change)
        if change.field is None:
            return replace(
                change,
                old_value=_mask(viewer, change.entity, change.old_value, full),
                new_value=_mask(viewer, change.entity, change.new_value, full),
            )
        return replace(
            change,
            old_value=viewer.mask_value(change.entity, change.field, change.old_value, full),
            new_value=viewer.mask_value(change.entity, change.field, change.new_value, full),
        )


def _mask(viewer: Viewer, entity: str, values: Any, full: bool) -> Any:
    return viewer.mask_record(entity, values, full) if isinstance(values, dict) else values


# The filing fields whose changes are a filing's state changes (for ``prerequisites_of``).
STATE_FIELDS = ("status", "accepted_at", "completed_at")


def prerequisites_of(codes: Sequence[str]) -> ColumnElement[bool]:
    """Changes of outcomes, and of filings' state, of a matter that one of the matters ``codes``
    requires (by the live catalogue's ``prerequisites`` now), of a project with a live filing of
    one of ``codes``."""
    m, f = tables.matters, tables.filings
    handled = tables.matters.alias("handled_matter")
    # Every matter code one of ``codes`` lists among its prerequisites (not correlated).
    required = select(m.c.code).where(
        m.c.deleted_at.is_(None),
        exists().where(
            handled.c.code.in_(codes),
            handled.c.deleted_at.is_(None),
            cast(handled.c.prerequisites, Text).like(literal('%"') + m.c.code + literal('"%')),
        ),
    )
    concerned = (
        exists()
        .where(
            f.c.project_code == _c.c.project_code,
            f.c.matter_code.in_(codes),
            f.c.deleted_at.is_(None),
        )
        .correlate(_c)
    )
    state = or_(
        _c.c.entity == "outcome",
        and_(
            _c.c.entity == "filing",
            or_(_c.c.field.is_(None), _c.c.field.in_(STATE_FIELDS)),
        ),
    )
    return and_(state, _c.c.project_code.is_not(None), concerned, MATTER_CODE.in_(required))


def _cut(values: Any, fields: frozenset[str]) -> Any:
    if not isinstance(values, dict):
        return values
    return {k: v for k, v in values.items() if k in fields}


def select_changes(after: int, limit: int, scope: FeedScope | None = None) -> Select[Any]:
    """Changes after seq ``after`` in seq order (matching ``scope``, if given)."""
    query = select(_c, MATTER_CODE).where(_c.c.seq > after).order_by(_c.c.seq).limit(limit)
    return query if scope is None else query.where(scope.where())


HEAD_SEQ = select(func.coalesce(func.max(_c.c.seq), 0))


async def head_seq(store: Store) -> int:
    """The last committed seq (0 for an empty log). Every smaller seq is committed too: change
    batches commit in seq order (``Store.serialize_changes``)."""
    async with store.read() as conn:
        return int((await conn.execute(HEAD_SEQ)).scalar_one())


@dataclass(frozen=True, slots=True)
class Page:
    """Changes of one read and ``end``: the seq to resume after. Past the last change when
    the page is not full, so that a poller with a narrow filter does not rescan the log."""

    changes: list[Change]
    end: int
    has_more: bool


async def read_page(store: Store, scope: FeedScope, after: int, limit: int) -> Page:
    """Up to ``limit`` changes after ``after`` that ``scope`` lets through, shaped for it."""
    async with store.read() as conn:
        head = int((await conn.execute(HEAD_SEQ)).scalar_one())
        rows = (await conn.execute(select_changes(after, limit, scope))).all()
    changes = [scope.shape(Change.from_row(row)) for row in rows]
    full = len(changes) == limit
    last = changes[-1].seq if changes else after
    return Page(changes, last if full else max(head, last, after), full)
