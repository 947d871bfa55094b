"""Executemany through the driver: a statement compiled once per dialect and parameter names,
each row's values converted by the column types' own bind processors, then handed to the
DBAPI's ``executemany`` (``sqlite3`` in aiosqlite's thread, ``asyncpg``) in one call. (Calling
``sqlite3`` in the event loop's thread instead was slower: aiosqlite's thread inserts while
this one maps the next batch.)

``conn.execute(statement, rows)`` does the same work per row in SQLAlchemy's general machinery
(building each row's parameters from the compiled statement, one call per processor), which
was a third of a full sync's CPU. The database receives the same values either way: the
processors are SQLAlchemy's, except SQLite's date and datetime text, built here by ``isoformat``
in the format SQLAlchemy's processor writes (``tests/hub/test_bulk.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import asyncpg
from sqlalchemy import JSON, Table
from sqlalchemy.dialects.sqlite import DATE as SQLiteDate
from sqlalchemy.dialects.sqlite import DATETIME as SQLiteDateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ValuesBase
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any]
# The text SQLAlchemy's SQLite DATETIME and DATE write by default.
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_SQLITE_DATE_FORMAT = "%(year)04d-%(month)02d-%(day)02d"


def _sqlite_datetime(reference: Processor) -> Processor:
    def process(value: Any) -> Any:
        # A naive datetime, as the store keeps them; anything else as SQLAlchemy does it.
        if value.__class__ is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return reference(value)

    return process


def _sqlite_date(reference: Processor) -> Processor:
    def process(value: Any) -> Any:
        if value.__class__ is date:
            return value.isoformat()
        return reference(value)

    return process


def bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """How a value of ``type_`` is sent to ``dialect``'s driver (None: as it is)."""
    impl = type_.dialect_impl(dialect)
    reference = impl.bind_processor(dialect)
    if reference is None:
        return None
    storage = getattr(impl, "_storage_format", None)
    if isinstance(impl, SQLiteDateTime) and storage == _SQLITE_DATETIME_FORMAT:
        return _sqlite_datetime(reference)
    if isinstance(impl, SQLiteDate) and storage == _SQLITE_DATE_FORMAT:
        return _sqlite_date(reference)
    if isinstance(impl, JSON):
        return _json(reference)
    return reference


def _json(reference: Processor) -> Processor:
    null = reference(None)  # JSON's null text, or SQL NULL for a ``none_as_null`` column

    def process(value: Any) -> Any:
        return null if value is None else reference(value)

    return process


class BulkStatement:
    """``statement`` (an INSERT or UPDATE with bound parameters) compiled for ``dialect`` with
    the parameters ``names``: its SQL text, and how to turn rows into the driver's tuples."""

    def __init__(self, statement: ValuesBase, dialect: Dialect, names: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(names), for_executemany=True)
        order = compiled.positiontup
        if not compiled.positional or order is None or not set(order) <= set(names):
            # A named paramstyle, or parameters the rows do not give (column defaults); rows
            # may give more (SQLAlchemy ignores those too).
            raise ValueError(f"cannot bulk-execute {statement} with parameters {list(names)}")
        self.sql = compiled.string
        self.names = tuple(order)
        self._get = itemgetter(*self.names)
        self._processors = [
            (i, p)
            for i, name in enumerate(self.names)
            if (p := bind_processor(compiled.binds[name].type, dialect)) is not None
        ]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
        get, processors = self._get, self._processors
        if len(self.names) == 1:
            values = [(get(row),) for row in rows]
        else:
            values = [get(row) for row in rows]
        if not processors:
            return values  # type: ignore[return-value]
        converted: list[Sequence[Any]] = []
        for row in values:
            out = list(row)
            for i, process in processors:
                out[i] = process(out[i])
            converted.append(tuple(out))
        return converted


class Bulk:
    """``statement`` executed many times through ``execute``: compiled once per dialect and set
    of parameter names. Build it once (per table, per writer) and keep it."""

    def __init__(self, statement: ValuesBase) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], BulkStatement] = {}

    def compiled(self, conn: AsyncConnection, names: tuple[str, ...]) -> BulkStatement:
        dialect = conn.dialect
        key = (dialect.name, names)
        bulk = self._compiled.get(key)
        if bulk is None:
            bulk = self._compiled[key] = BulkStatement(self.statement, dialect, names)
        return bulk

    async def execute(self, conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
        """``await conn.execute(statement, rows)``, with the per-row work done here (every row
        gives the same parameter names, as an executemany requires)."""
        if rows:
            bulk = self.compiled(conn, tuple(rows[0]))
            await conn.exec_driver_sql(bulk.sql, bulk.parameters(rows))


_inserts: dict[Table, Bulk] = {}


async def insert_many(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """``await conn.execute(table.insert(), rows)`` through the driver; on PostgreSQL with
    ``COPY`` (asyncpg's binary copy, through the same codecs as its INSERTs)."""
    if not rows:
        return
    bulk = _inserts.get(table)
    if bulk is None:
        bulk = _inserts[table] = Bulk(table.insert())
    if conn.dialect.name == "postgresql":
        driver = (await conn.get_raw_connection()).driver_connection
        # COPY runs on the connection as it is: only inside the transaction already begun
        # (SQLAlchemy's asyncpg adapter begins at the first statement).
        if isinstance(driver, asyncpg.Connection) and driver.is_in_transaction():
            compiled = bulk.compiled(conn, tuple(rows[0]))
            try:
                await driver.copy_records_to_table(
                    table.name, records=compiled.parameters(rows), columns=compiled.names
                )
            except asyncpg.PostgresError as exc:  # as SQLAlchemy would raise it
                raise DBAPIError.instance(
                    f"INSERT INTO {table.name}", None, exc, Exception
                ) from exc
            return
    await bulk.execute(conn, rows)
