"""The change log's one writer: the typed change record, its insert, and the feed's wake-up.

Everything that adds to the change log (the batch writer, reconcile, the derived events of the
supervision layer) builds ``ChangeRecord``s with the constructors here and hands them to
``append``, which takes the change-log lock (``Store.serialize_changes``, the commit ordering of
the gap-free feed), chains each row's hash to the one before (``hub.log_chain``) and inserts
them with one executemany. ``ChangeLog.write`` is the
transaction that ends with "commit, then wake the feed".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from hub import tables
from hub.bulk import insert_many
from hub.log_chain import chain
from hub.mapping import json_safe
from hub.store import Store

CommitHook = Callable[[], Awaitable[None]]
# Every op the log holds: the record-level and field-level ones, and the hub's own conclusions
# (``derived``): ``sla``, a filing's time-limit alert (hub.sla_alerts), and ``finding``, a
# data-check finding opened or closed (hub.checks.runner).
OPS = frozenset({"created", "updated", "deleted", "restored", "sla", "finding"})
# Builds a ChangeRecord without NamedTuple's Python-level __new__ (half the cost of a record).
_record = tuple.__new__


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who is writing: stamped on entity rows and change-log rows."""

    connector: str
    department: str | None
    sync_run_id: int | None


class ChangeRecord(NamedTuple):
    """One change-log row without its provenance and time, which ``append`` stamps per call.
    A NamedTuple: the batch writer builds thousands per batch."""

    op: str
    entity: str
    entity_key: str
    project_code: str | None
    field: str | None
    old_value: Any
    new_value: Any
    source_time: datetime | None

    @classmethod
    def created(
        cls,
        entity: str,
        key: Any,
        project_code: str | None,
        values: Mapping[str, Any],
        source_time: datetime | None = None,
    ) -> ChangeRecord:
        """A new record, carrying its values."""
        new = {name: json_safe(value) for name, value in values.items()}
        return _record(
            cls, ("created", entity, str(key), project_code, None, None, new, source_time)
        )

    @classmethod
    def updated(
        cls,
        entity: str,
        key: Any,
        project_code: str | None,
        field: str,
        old: Any,
        new: Any,
        source_time: datetime | None = None,
    ) -> ChangeRecord:
        """One changed field of a record."""
        old, new = json_safe(old), json_safe(new)
        return _record(
            cls, ("updated", entity, str(key), project_code, field, old, new, source_time)
        )

    @classmethod
    def deleted(cls, entity: str, key: Any, project_code: str | None) -> ChangeRecord:
        """A record gone from its source (soft-deleted by reconcile)."""
        return _record(cls, ("deleted", entity, str(key), project_code, None, None, None, None))

    @classmethod
    def restored(
        cls,
        entity: str,
        key: Any,
        project_code: str | None,
        source_time: datetime | None = None,
    ) -> ChangeRecord:
        """A soft-deleted record that its source delivers again."""
        return _record(
            cls, ("restored", entity, str(key), project_code, None, None, None, source_time)
        )

    @classmethod
    def derived(
        cls,
        op: str,
        entity: str,
        key: Any,
        project_code: str | None,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
    ) -> ChangeRecord:
        """An event the hub concludes rather than reads (a filing's SLA state changed, a
        finding opened or closed): ``op`` names it, ``field`` and the values say what moved."""
        old, new = json_safe(old), json_safe(new)
        return _record(cls, (op, entity, str(key), project_code, field, old, new, None))


async def append(
    store: Store,
    conn: AsyncConnection,
    records: Sequence[ChangeRecord],
    provenance: Provenance,
    recorded_at: datetime,
) -> int:
    """Insert ``records`` in ``conn``'s transaction under the change-log lock; returns how many
    were appended (the feed needs waking when that is not 0)."""
    if not records:
        return 0
    connector, department, run = provenance.connector, provenance.department, provenance.sync_run_id
    rows = [
        {
            "op": op,
            "entity": entity,
            "entity_key": key,
            "project_code": project_code,
            "field": field,
            "old_value": old,
            "new_value": new,
            "connector": connector,
            "department_code": department,
            "sync_run_id": run,
            "source_time": source_time,
            "recorded_at": recorded_at,
        }
        for op, entity, key, project_code, field, old, new, source_time in records
    ]
    await store.serialize_changes(conn)
    await chain(conn, rows)  # under the lock: the newest row stays the newest until commit
    await insert_many(conn, tables.changes, rows)
    return len(rows)


class Transaction:
    """A write transaction of ``ChangeLog.write``: its connection, and what it appended."""

    def __init__(self, store: Store, conn: AsyncConnection) -> None:
        self.store = store
        self.conn = conn
        self.appended = 0

    async def append(
        self, records: Sequence[ChangeRecord], provenance: Provenance, recorded_at: datetime
    ) -> int:
        count = await append(self.store, self.conn, records, provenance, recorded_at)
        self.appended += count
        return count


class ChangeLog:
    """Write transactions over ``store`` that wake the feed (``on_commit``) after they commit,
    when they appended changes. Waking after the commit, never before: a woken reader must find
    the rows."""

    def __init__(self, store: Store, on_commit: CommitHook | None = None) -> None:
        self.store = store
        self.on_commit = on_commit

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        async with self.store.write() as conn:
            transaction = Transaction(self.store, conn)
            yield transaction
        if transaction.appended and self.on_commit is not None:
            await self.on_commit()
