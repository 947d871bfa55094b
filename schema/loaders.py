"""DataLoaders: each batch of keys is ONE ``SELECT ... WHERE col IN (...)`` on its own read
connection (an async connection runs one query at a time, and batches of different loaders run
concurrently). Rows become GraphQL objects through the types' ``from_row``; rows with
``deleted_at`` set are never returned.

Create a fresh ``Loaders`` per request (``schema.context.Context`` does): their cache is the
request's view of the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Select, Table, and_, case, exists, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from strawberry import Info
from strawberry.dataloader import DataLoader

from hub import tables
from hub.calendar import standard_calendar
from hub.checks import prerequisites
from hub.checks.prerequisites import PrerequisiteStatus, Waiting
from hub.entities import DEPARTMENT, FILING, PROJECT, Link
from hub.idle import IdleRule
from hub.policy import SYSTEM, Viewer
from hub.sla import FilingClock
from hub.store import Store
from schema.live import live
from schema.prefetch import field_key
from schema.types.annotation import ProjectAnnotation
from schema.types.authenticity import Authenticity
from schema.types.department import Department
from schema.types.filing import Filing
from schema.types.filing_sla import FilingSla
from schema.types.matter import Matter
from schema.types.outcome import Outcome
from schema.types.process_event import ProcessEvent
from schema.types.project import Project
from schema.types.project_idle import ProjectIdle

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# Keys per statement; far below the bind-parameter limits of SQLite (32766) and PostgreSQL
# (32767), so a batch stays one statement for any realistic page.
MAX_KEYS_PER_STATEMENT = 10_000

LoadFn = Callable[[list[Any]], Awaitable[Sequence[Any]]]


def _chunks(keys: list[K]) -> list[list[K]]:
    size = MAX_KEYS_PER_STATEMENT
    return [keys[i : i + size] for i in range(0, len(keys), size)] or [[]]


class Loaders:
    """The per-request DataLoaders of the schema."""

    def __init__(
        self,
        store: Store,
        clock: FilingClock | None = None,
        idle: IdleRule | None = None,
        viewer: Viewer = SYSTEM,
    ) -> None:
        self.store = store
        self.viewer = viewer  # every statement reads as it (hub.policy)
        self.clock = clock or FilingClock(store, standard_calendar())
        self.idle_rule = idle or IdleRule(store)
        t = tables
        self.department: DataLoader[str, Department | None] = DataLoader(
            self._by_key(t.departments, Department.from_row)
        )
        self.matter: DataLoader[str, Matter | None] = DataLoader(
            self._by_key(t.matters, Matter.from_row)
        )
        self.project: DataLoader[str, Project | None] = DataLoader(
            self._by_key(t.projects, Project.from_row)
        )
        self.filing: DataLoader[str, Filing | None] = DataLoader(
            self._by_key(t.filings, Filing.from_row)
        )
        self.process_event: DataLoader[str, ProcessEvent | None] = DataLoader(
            self._by_key(t.process_events, ProcessEvent.from_row)
        )
        self.outcome: DataLoader[str, Outcome | None] = DataLoader(
            self._by_key(t.outcomes, Outcome.from_row)
        )
        # Division rows by code: the reference data District names come from.
        self.division: DataLoader[str, Any] = DataLoader(self._by_key(t.divisions, lambda r: r))
        self.matters_by_department: DataLoader[str, list[Matter]] = DataLoader(
            self._grouped(DEPARTMENT.link("matters"), Matter.from_row, t.matters.c.code)
        )
        self.events_by_filing: DataLoader[str, list[ProcessEvent]] = DataLoader(
            self._grouped(
                FILING.link("events"),
                ProcessEvent.from_row,
                t.process_events.c.occurred_at,
                t.process_events.c.key,
            )
        )
        self.outcome_by_filing: DataLoader[str, Outcome | None] = DataLoader(self._latest_outcome)
        self.outcomes_by_project: DataLoader[str, list[Outcome]] = DataLoader(
            self._outcomes_by_project
        )
        self.authenticity: DataLoader[str, Authenticity | None] = DataLoader(self._authenticity)
        self.history: DataLoader[tuple[str, str], list[Row[Any]]] = DataLoader(self._history)
        self.sla: DataLoader[tuple[date, str], FilingSla] = DataLoader(self._sla)
        self.annotation: DataLoader[str, ProjectAnnotation | None] = DataLoader(
            self._by_key(t.project_annotations, ProjectAnnotation.from_row)
        )
        self.annotations_by_project: DataLoader[str, list[ProjectAnnotation]] = DataLoader(
            self._grouped(
                PROJECT.link("annotations"),
                ProjectAnnotation.from_row,
                t.project_annotations.c.noted_at,
                t.project_annotations.c.key,
            )
        )
        self.last_activity: DataLoader[str, datetime | None] = DataLoader(self._last_activity)
        self.idle: DataLoader[tuple[date, int, str], ProjectIdle | None] = DataLoader(self._idle)
        # The prerequisite engine (hub.checks.prerequisites), by (as-of day, key).
        self.prerequisites: DataLoader[tuple[date, str], list[PrerequisiteStatus]] = DataLoader(
            self._by_day(prerequisites.of_filings)
        )
        self.waiting_on: DataLoader[tuple[date, str], list[Waiting]] = DataLoader(
            self._by_day(prerequisites.waiting_on)
        )
        self.next_matters: DataLoader[tuple[date, str], list[str]] = DataLoader(
            self._by_day(prerequisites.next_matters)
        )
        self._per_field: dict[tuple[str, ...], DataLoader[Any, Any]] = {}

    def per_field(self, info: Info, make_load: Callable[[], LoadFn]) -> DataLoader[Any, Any]:
        """One DataLoader per field of the query (path without list indices, so per alias):
        a nested connection's arguments are the same for every parent the field appears under,
        so its pages for all parents load in one batch. ``make_load`` builds the batch
        function, only for the field's first parent."""
        return self.per_field_at(field_key(info.path), make_load)

    def has_field(self, key: tuple[str, ...]) -> bool:
        return key in self._per_field

    def prime_field(self, key: tuple[str, ...], load: LoadFn, values: dict[Any, Any]) -> None:
        """Make the loader of the field at ``key`` with ``load`` and give it ``values``."""
        self.per_field_at(key, lambda: load).prime_many(values)

    def per_field_at(
        self, key: tuple[str, ...], make_load: Callable[[], LoadFn]
    ) -> DataLoader[Any, Any]:
        """The DataLoader of the field at ``key`` (see ``field_key``)."""
        loader = self._per_field.get(key)
        if loader is None:
            loader = self._per_field[key] = DataLoader(make_load())
        return loader

    async def _rows(
        self,
        statement: Callable[[list[Any]], Select[Any]],
        keys: list[Any],
        conn: AsyncConnection | None = None,
    ) -> list[Row[Any]]:
        """The rows of ``statement`` for ``keys``, on ``conn`` when given (a prefetch runs on
        its level's connection; see ``schema.prefetch``), else on a read connection of its own.
        """
        rows: list[Row[Any]] = []
        async with self.store.connection(conn) as reader:
            for chunk in _chunks(keys):
                rows.extend((await reader.execute(statement(chunk))).all())
        return rows

    def _by_day(
        self, fetch: Callable[[Store, list[str], date], Awaitable[dict[str, list[T]]]]
    ) -> Callable[[list[tuple[date, str]]], Awaitable[list[list[T]]]]:
        """A batch by (as-of day, key): one ``fetch`` per day asked about."""

        async def load(keys: list[tuple[date, str]]) -> list[list[T]]:
            by_day: dict[date, list[str]] = defaultdict(list)
            for as_of, key in keys:
                by_day[as_of].append(key)
            found: dict[tuple[date, str], list[T]] = {}
            for as_of, day_keys in by_day.items():
                for chunk in _chunks(day_keys):
                    for key, values in (await fetch(self.store, chunk, as_of)).items():
                        found[(as_of, key)] = values
            return [found.get(k, []) for k in keys]

        return load

    async def _authenticity(self, keys: list[str]) -> list[Authenticity | None]:
        table = tables.outcome_authenticity
        rows = await self._rows(
            lambda chunk: select(table).where(table.c.outcome_key.in_(chunk)), keys
        )
        found = {row.outcome_key: Authenticity.from_row(row) for row in rows}
        return [found.get(key) for key in keys]

    async def _sla(self, keys: list[tuple[date, str]]) -> list[FilingSla]:
        """Clocks by (as-of day, filing key): one statement per as-of day asked about."""
        by_day: dict[date, list[str]] = defaultdict(list)
        for as_of, key in keys:
            by_day[as_of].append(key)
        found: dict[tuple[date, str], FilingSla] = {}
        for as_of, filing_keys in by_day.items():
            for key, clock in (await self.clock.of(filing_keys, as_of)).items():
                found[(as_of, key)] = FilingSla.of(clock)
        return [found.get(k) or FilingSla.not_submitted(k[0]) for k in keys]

    async def _last_activity(self, codes: list[str]) -> list[datetime | None]:
        found = await self.idle_rule.last_activity(codes)
        return [found.get(code) for code in codes]

    async def _idle(self, keys: list[tuple[date, int, str]]) -> list[ProjectIdle | None]:
        """Idle states by (as-of day, months, project code): one statement per question."""
        by_question: dict[tuple[date, int], list[str]] = defaultdict(list)
        for as_of, months, code in keys:
            by_question[(as_of, months)].append(code)
        found: dict[tuple[date, int, str], ProjectIdle] = {}
        for (as_of, months), codes in by_question.items():
            for code, state in (await self.idle_rule.of(codes, as_of, months)).items():
                found[(as_of, months, code)] = ProjectIdle.of(state)
        return [found.get(key) for key in keys]

    def _by_key(self, table: Table, build: Callable[[Any], T]) -> LoadFn:
        (key,) = table.primary_key.columns

        async def load(keys: list[Any], conn: AsyncConnection | None = None) -> list[T | None]:
            rows = await self._rows(
                lambda chunk: self.viewer.select(table).where(key.in_(chunk), live(table)),
                keys,
                conn,
            )
            found = {getattr(row, key.key): build(row) for row in rows}
            return [found.get(k) for k in keys]

        return load

    def _grouped(
        self, link: Link, build: Callable[[Any], T], *order_by: ColumnElement[Any]
    ) -> LoadFn:
        """The live rows ``link`` names, by the value they match (``link.local_field``'s)."""
        table = tables.entity_tables[link.target]
        name = link.remote_field
        column = table.c[name]

        async def load(keys: list[Any], conn: AsyncConnection | None = None) -> list[list[T]]:
            rows = await self._rows(
                lambda chunk: (
                    self.viewer.select(table)
                    .where(column.in_(chunk), live(table))
                    .order_by(*order_by)
                ),
                keys,
                conn,
            )
            groups: defaultdict[Any, list[T]] = defaultdict(list)
            for row in rows:
                groups[getattr(row, name)].append(build(row))
            return [groups.get(k, []) for k in keys]

        return load

    async def _latest_outcome(
        self, keys: list[str], conn: AsyncConnection | None = None
    ) -> list[Outcome | None]:
        """A filing's outcome; if a source sent several, the last issued (then highest key)."""
        link = FILING.link("outcome")
        o = tables.entity_tables[link.target]
        rows = await self._rows(
            lambda chunk: (
                self.viewer.select(o)
                .where(o.c[link.remote_field].in_(chunk), live(o))
                .order_by(o.c.issued_at.asc().nulls_first(), o.c.key)
            ),
            keys,
            conn,
        )
        latest = {getattr(row, link.remote_field): row for row in rows}
        return [Outcome.from_row(latest[k]) if k in latest else None for k in keys]

    async def _history(self, keys: list[tuple[str, str]]) -> list[list[Row[Any]]]:
        """Change-log rows of (entity, key) pairs, oldest first, in one statement."""
        c = tables.changes
        by_entity: defaultdict[str, list[str]] = defaultdict(list)
        for entity, key in keys:
            by_entity[entity].append(key)
        query = (
            select(c, self._record_full(by_entity).label("viewer_full"))
            .where(
                or_(
                    *(
                        and_(c.c.entity == entity, c.c.entity_key.in_(entity_keys))
                        for entity, entity_keys in by_entity.items()
                    )
                )
            )
            .order_by(c.c.seq)
        )
        async with self.store.read() as conn:
            rows = (await conn.execute(query)).all()
        groups: defaultdict[tuple[str, str], list[Row[Any]]] = defaultdict(list)
        for row in rows:
            groups[(row.entity, row.entity_key)].append(row)
        return [groups.get(k, []) for k in keys]

    def _record_full(self, entities: Iterable[str]) -> ColumnElement[bool]:
        """Whether the viewer sees the record a change row names in full (hub.policy)."""
        if self.viewer.rules.data != "department":
            return literal(self.viewer.rules.data == "all")
        c = tables.changes
        whens = []
        for name in entities:
            table = tables.entity_tables[name].alias(f"history_{name}")
            (key,) = (col for col in table.c if col.primary_key)
            found = exists().where(key == c.c.entity_key, self.viewer.full(name, table))
            whens.append((c.c.entity == name, found))
        return case(*whens, else_=false())

    async def _outcomes_by_project(self, keys: list[str]) -> list[list[Outcome]]:
        """Outcomes by their project code, or by their filing's when they carry none."""
        o, f = tables.outcomes, tables.filings
        owner = func.coalesce(o.c.project_code, f.c.project_code).label("owner_code")
        rows = await self._rows(
            lambda chunk: (
                self.viewer.select(o)
                .add_columns(owner)
                .select_from(o.outerjoin(f, f.c.key == o.c.filing_key))
                .where(
                    live(o),
                    or_(
                        o.c.project_code.in_(chunk),
                        and_(o.c.project_code.is_(None), f.c.project_code.in_(chunk)),
                    ),
                )
                .order_by(o.c.issued_at.asc().nulls_first(), o.c.key)
            ),
            keys,
        )
        groups: defaultdict[str, list[Outcome]] = defaultdict(list)
        for row in rows:
            groups[row.owner_code].append(Outcome.from_row(row))
        return [groups.get(k, []) for k in keys]
