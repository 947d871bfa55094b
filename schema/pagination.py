"""Relay cursor connections with keyset pagination.

A connection is ordered by an ``Ordering``: one or more sort fields whose last field is unique
(the entity key), so the order is total. A cursor is the base64 of the ordering's name and the
ordering key values of an edge; the next page is ``WHERE (k1, k2, ...) > (v1, v2, ...)`` in the
ordering's sense, so rows inserted or deleted between two requests never make a page skip or
repeat a row. NULL sorts as the largest value on every backend (NULLS LAST ascending, NULLS
FIRST descending: PostgreSQL's default, which its plain btree indexes serve), so nullable sort
fields page correctly too. NOT NULL fields are ordered without a NULLS clause.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Column, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from hub.store import Store
from schema.errors import InvalidCursorError, UserInputError

T = TypeVar("T")


# Cursors are encoded only when asked for: portals mostly read nodes, and encoding every
# page's cursors cost a list of nested pages a tenth of its time.


@strawberry.type(description="Where a page is in its connection (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="True when the page was asked for after a cursor."
    )
    ordering: strawberry.Private[Ordering]
    first_row: strawberry.Private[Any]  # the rows of the first and last edges, or None
    last_row: strawberry.Private[Any]

    @strawberry.field
    def start_cursor(self) -> str | None:
        return None if self.first_row is None else self.ordering.cursor_of(self.first_row)

    @strawberry.field
    def end_cursor(self) -> str | None:
        return None if self.last_row is None else self.ordering.cursor_of(self.last_row)


@strawberry.type
class Edge(Generic[T]):
    node: T
    row: strawberry.Private[Any]  # what the cursor is read from
    ordering: strawberry.Private[Ordering]

    @strawberry.field
    def cursor(self) -> str:
        return self.ordering.cursor_of(self.row)


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T] = strawberry.field(
        description="The nodes of this page (the edges' nodes, for convenience)."
    )
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The number of items in the whole connection, all pages.")
    async def total_count(self) -> int:
        return await self.count()


@dataclass(frozen=True, slots=True)
class SortField:
    """One column of an ordering. ``descending`` reverses it; NULL is the largest value."""

    column: Column[Any]
    descending: bool = False

    @property
    def nullable(self) -> bool:
        return bool(getattr(self.column, "nullable", True))

    def order_by(self) -> ColumnElement[Any]:
        if not self.nullable:  # plain, so that an ordinary index serves the order
            return self.column.desc() if self.descending else self.column.asc()
        if self.descending:
            return self.column.desc().nulls_first()
        return self.column.asc().nulls_last()

    def equal(self, value: Any) -> ColumnElement[bool]:
        return self.column.is_(None) if value is None else self.column == value

    def beyond(self, value: Any) -> ColumnElement[bool] | None:
        """Rows strictly after ``value`` in this field's order; None when there are none."""
        if self.descending:
            return self.column.is_not(None) if value is None else self.column < value
        if value is None:
            return None
        after: ColumnElement[bool] = self.column > value
        return or_(after, self.column.is_(None)) if self.nullable else after

    def to_json(self, value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    def from_json(self, value: Any) -> Any:
        """The cursor's value, checked against the column type (ValueError when it is wrong)."""
        if value is None:
            if not self.nullable:
                raise ValueError("NULL for a NOT NULL sort field")
            return None
        kind = self.column.type.python_type
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise ValueError(f"expected {kind.__name__}")
        return value


@dataclass(frozen=True, slots=True)
class Ordering:
    """A total order of a connection. ``name`` tags its cursors (a cursor of another ordering or
    connection is rejected); the last field must be unique. Each sort column must be selected by
    the paginated query under its own key, so that an edge's cursor can be read from its row."""

    name: str
    fields: tuple[SortField, ...]

    def order_by(self) -> list[ColumnElement[Any]]:
        return [f.order_by() for f in self.fields]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows after the row whose ordering key is ``values`` (a lexicographic keyset)."""
        terms: list[ColumnElement[bool]] = []
        for i, (sort_field, value) in enumerate(zip(self.fields, values, strict=True)):
            beyond = sort_field.beyond(value)
            if beyond is not None:
                prefix = [f.equal(v) for f, v in zip(self.fields[:i], values[:i], strict=True)]
                terms.append(and_(*prefix, beyond) if prefix else beyond)
        return or_(*terms) if terms else false()

    def cursor_of(self, row: Any) -> str:
        """The cursor of the edge of ``row`` (which has the sort columns under their keys)."""
        return self.encode([getattr(row, f.column.key) for f in self.fields])

    def encode(self, values: Sequence[Any]) -> str:
        payload = [self.name, [f.to_json(v) for f, v in zip(self.fields, values, strict=True)]]
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def decode(self, cursor: str) -> tuple[Any, ...]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            name, values = json.loads(raw)
            if name != self.name or len(values) != len(self.fields):
                raise ValueError("cursor of another connection or ordering")
            return tuple(f.from_json(v) for f, v in zip(self.fields, values, strict=True))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursorError(cursor) from None


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    """The number of edges to return, from the ``first`` argument and the server limits."""
    if first is None:
        return min(default, maximum)
    if first < 0:
        raise UserInputError(f"first must be zero or more; got {first}")
    if first > maximum:
        raise UserInputError(
            f"first must be at most {maximum} (the server's max page size); got {first}"
        )
    return first


async def paginate(
    store: Store,
    query: Select[Any],
    ordering: Ordering,
    node: Callable[[Any], T],
    *,
    first: int,
    after: str | None,
    conn: AsyncConnection | None = None,
) -> Connection[T]:
    """One page of ``query`` (a SELECT of whole rows, already filtered) in ``ordering``, on
    ``conn`` when given, else on a read connection of its own.

    Runs one statement for the page (``first + 1`` rows tell whether there is a next page) and,
    only when ``totalCount`` is asked for, one count statement.
    """
    position = ordering.decode(after) if after is not None else None
    page = query.order_by(*ordering.order_by()).limit(first + 1)
    if position is not None:
        page = page.where(ordering.after(position))
    async with store.connection(conn) as reader:
        rows = (await reader.execute(page)).all()

    async def count() -> int:
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        async with store.read() as counting:
            return int((await counting.execute(counted)).scalar_one())

    return page_of(rows, ordering, node, first, position, count)


def page_of(
    rows: Sequence[Any],
    ordering: Ordering,
    node: Callable[[Any], T],
    first: int,
    position: tuple[Any, ...] | None,
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """A page from ``first + 1`` rows (the extra one tells there is a next page)."""
    page = rows[:first]
    edges = [Edge(node=node(row), row=row, ordering=ordering) for row in page]
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=position is not None,
            ordering=ordering,
            first_row=page[0] if page else None,
            last_row=page[-1] if page else None,
        ),
        count=count,
    )


async def paginate_groups(
    store: Store,
    query: Select[Any],
    ordering: Ordering,
    group: Column[Any],
    groups: Sequence[Any],
    node: Callable[[Any], T],
    *,
    first: int,
    after: str | None,
    conn: AsyncConnection | None = None,
) -> list[Connection[T]]:
    """The first page of ``query`` within each of ``groups`` (e.g. the filings of each project of
    a page), in one statement: ``ROW_NUMBER() OVER (PARTITION BY group ORDER BY ...)`` keeps
    ``first + 1`` rows per group. ``after`` applies to every group. The page runs on ``conn``
    when given (a level's connection), else on a read connection of its own. The groups'
    totals, when asked for, come from one ``GROUP BY`` statement shared by all the
    connections."""
    position = ordering.decode(after) if after is not None else None
    within = query.where(group.in_(groups))
    filtered = within.where(ordering.after(position)) if position is not None else within
    rank = func.row_number().over(partition_by=group, order_by=ordering.order_by())
    ranked = filtered.add_columns(rank.label("hub_rank")).subquery()
    page = (
        select(ranked)
        .where(ranked.c.hub_rank <= first + 1)
        .order_by(ranked.c[group.key], ranked.c.hub_rank)
    )
    async with store.connection(conn) as reader:
        rows = (await reader.execute(page)).all()
    by_group: dict[Any, list[Any]] = {g: [] for g in groups}
    for row in rows:
        by_group[getattr(row, group.key)].append(row)

    totals: asyncio.Task[dict[Any, int]] | None = None

    async def count_all() -> dict[Any, int]:
        counted = within.with_only_columns(group, func.count()).group_by(group).order_by(None)
        async with store.read() as counting:
            return {key: int(n) for key, n in (await counting.execute(counted)).all()}

    def count_of(key: Any) -> Callable[[], Awaitable[int]]:
        async def count() -> int:
            nonlocal totals
            if totals is None:
                totals = asyncio.ensure_future(count_all())
            return (await totals).get(key, 0)

        return count

    return [page_of(by_group[g], ordering, node, first, position, count_of(g)) for g in groups]


__all__ = [
    "Connection",
    "Edge",
    "Ordering",
    "PageInfo",
    "SortField",
    "page_of",
    "page_size",
    "paginate",
    "paginate_groups",
]
