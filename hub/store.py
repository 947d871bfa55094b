"""The unified store: one async SQLAlchemy engine over SQLite (default) or PostgreSQL.

Writers go through ``Store.write()``. On SQLite it begins ``IMMEDIATE`` so that two writers never
deadlock on a lock upgrade; on PostgreSQL ``serialize_changes`` takes a transaction-scoped
advisory lock before change-log rows are inserted, so change batches commit in seq order and a
subscriber resuming after seq N never misses a smaller seq that commits later (invariant 5).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import ColumnElement, Executable

from hub.calendar import WorkingCalendar, standard_calendar
from hub.dburl import async_url

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

_MIGRATIONS = Path(__file__).parent / "migrations"
# Arbitrary constants that name the hub's advisory locks in PostgreSQL.
CHANGE_LOG_LOCK = 0x58_54_48_01
MIGRATION_LOCK = 0x58_54_48_02


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take over BEGIN from the driver so that writers can ask for BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA busy_timeout=30000",
        "PRAGMA foreign_keys=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("hub_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """The hub's database. Create one per process; it owns its engine until ``dispose()``."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options |= {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        # SQLite has one writer at a time; queueing here keeps in-process writers from spinning
        # on busy_timeout.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._ping_engine: AsyncEngine | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one write transaction, committed when the block ends."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.connect() as conn:
            await conn.execution_options(hub_write=True)
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def connection(self, given: AsyncConnection | None) -> AsyncIterator[AsyncConnection]:
        """``given`` when a caller already holds a connection (work of one level shares it),
        else a read connection of its own for the block."""
        if given is not None:
            yield given
            return
        async with self.read() as own:
            yield own

    async def scalar(self, statement: Executable) -> Any:
        """The single value ``statement`` selects, or None when it selects no row."""
        async with self.engine.connect() as conn:
            return (await conn.execute(statement)).scalar_one_or_none()

    async def serialize_changes(self, conn: AsyncConnection) -> None:
        """Hold the change-log lock until ``conn``'s transaction ends (see module docstring)."""
        if self.is_postgres:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})

    def upsert(
        self,
        table: Table,
        values: Mapping[str, Any],
        keys: Sequence[str],
        where: ColumnElement[bool] | None = None,
    ) -> postgresql.Insert | sqlite.Insert:
        """INSERT ``values``, or update the row with the same ``keys`` to them (only where
        ``where`` holds), on this store's backend."""
        statement: postgresql.Insert | sqlite.Insert = (
            postgresql.insert(table) if self.is_postgres else sqlite.insert(table)
        ).values(**values)
        return statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: statement.excluded[name] for name in values if name not in keys},
            where=where,
        )

    async def migrate(
        self, revision: str = "head", calendar: WorkingCalendar | None = None
    ) -> None:
        """Apply the Alembic migrations up to ``revision`` (several instances may race here),
        then, at the head, install the working-day calendar (``hub.toml``'s; by default
        ``chinese_calendar``'s) that SQL counts with."""
        async with self.write() as conn:
            if self.is_postgres:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            if revision != "head" or not await conn.run_sync(_at_head):
                await conn.run_sync(_upgrade, revision)
        if revision == "head":
            await (calendar or standard_calendar()).install(self)

    async def ping(self) -> None:
        """Reach the database on a connection of its own: a health check must not queue behind
        requests that hold every pooled connection."""
        if self._ping_engine is None:
            self._ping_engine = create_async_engine(self.url, poolclass=NullPool)
        async with self._ping_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._ping_engine is not None:
            await self._ping_engine.dispose()
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration's revision, read from the migration files without loading Alembic
    (which costs every command's start-up half a second); None unless they name one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision(?:: str)? = "([^"]+)"$', text, re.M)
        down = re.search(r"^down_revision(?:: [^=]+)? = (.+)$", text, re.M)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r'"([^"]+)"', down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(connection: Connection) -> bool:
    """Whether the store is already at the newest migration (then Alembic need not run)."""
    head = head_revision()
    if head is None or not inspect(connection).has_table("alembic_version"):
        return False
    stored = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
    return list(stored) == [head]


def _upgrade(connection: Connection, revision: str) -> None:
    # Imported here: Alembic is needed once per process, and costs every command's start-up.
    from alembic import command

    command.upgrade(alembic_config(connection), revision)
