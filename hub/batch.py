"""Applies one batch of mapped records to the store, inside the caller's transaction.

One query loads the stored rows for the batch's keys; records are diffed against them as tuples;
inserts, updates and change-log rows are written with one executemany each. Only the fields the
stream maps take part in the diff, so two sources can feed different fields of one entity. The
entity's declared snapshots (``hub.entities.Snapshot``) fill unmapped fields of inserted rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, null, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import tables
from hub.bulk import Bulk, insert_many
from hub.changelog import ChangeRecord, Provenance, Transaction
from hub.config import DEPARTMENT_AUTHORITY
from hub.entities import Entity, Snapshot
from hub.mapping import json_safe

# Keeps IN lists under every backend's bound-parameter limit.
LOOKUP_CHUNK = 900


@dataclass(slots=True)
class MappedRecord:
    values: tuple[Any, ...]
    source_key: str
    source_time: datetime | None = None


@dataclass(slots=True)
class BatchOutcome:
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Records the store cannot take (a required field missing or empty): key -> reasons.
    incomplete: dict[Any, list[str]] = field(default_factory=dict)
    changes: int = 0
    conflicts: int = 0


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A record as the store holds it: the stream's fields, whether deleted, who wrote it, and
    the department it names (for the ``"department"`` authority rule)."""

    values: tuple[Any, ...]
    deleted_at: datetime | None
    connector: str
    source_key: str
    department: str | None


async def _stored_rows(
    conn: AsyncConnection, table: Table, fields: Sequence[str], keys: Sequence[Any]
) -> dict[Any, StoredRow]:
    key_column = table.c[fields[0]]
    department = table.c.department_code if "department_code" in table.c else null()
    query = select(
        *(table.c[f] for f in fields),
        table.c.deleted_at,
        table.c.src_connector,
        table.c.src_key,
        department,
    )
    width = len(fields)
    stored: dict[Any, StoredRow] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        for row in await conn.execute(query.where(key_column.in_(chunk))):
            stored[row[0]] = StoredRow(tuple(row[:width]), *row[width:])
    return stored


class BatchWriter:
    """Writes mapped records of one entity; built once per stream and reused for every batch."""

    def __init__(
        self,
        entity: Entity,
        fields: Sequence[str],
        authority: Mapping[str, str] | None = None,
        allowed: Mapping[str, tuple[str, frozenset[str]]] | None = None,
        departments: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.entity = entity
        self.fields = tuple(fields)
        # Fields whose values the config enumerates (``HubConfig.allowed_values``).
        self.allowed = [
            (self.fields.index(name), name, where, values)
            for name, (where, values) in (allowed or {}).items()
            if name in self.fields
        ]
        # The entity's required links whose local field the stream maps: their rows must exist.
        self.required_links = [
            (self.fields.index(link.local_field), link)
            for link in map(entity.link, entity.required_links)
            if link.local_field in self.fields
        ]
        # Position of each field a connector is authoritative for -> (field, that connector or
        # DEPARTMENT_AUTHORITY); department code -> its connectors, for the latter.
        self.authority = {
            i: (name, (authority or {})[name])
            for i, name in enumerate(self.fields)
            if i > 0 and name in (authority or {})
        }
        self.departments = {code: tuple(names) for code, names in (departments or {}).items()}
        self.table = tables.entity_tables[entity.name]
        self.project_index = (
            self.fields.index(entity.project_field) if entity.project_field in self.fields else None
        )
        key = self.table.c[self.fields[0]]
        self._update = (
            self.table.update()
            .where(key == bindparam("b_key"))
            .values(
                {f: bindparam(f"b_{f}") for f in self.fields[1:]}
                | {
                    "src_connector": bindparam("b_src_connector"),
                    "src_key": bindparam("b_src_key"),
                    "synced_at": bindparam("b_synced_at"),
                    "deleted_at": null(),
                }
            )
        )
        self._updates = Bulk(self._update)
        self._snapshots = tuple(s for s in entity.snapshots if s.field not in self.fields)
        # A stream may feed only some fields of records another stream creates; a record new to
        # the store needs every required field, and no stored record may lose one.
        self._unmapped_required = [
            f.name for f in entity.fields if f.required and f.name not in self.fields
        ]
        self._required_positions = [
            (i, name) for i, name in enumerate(self.fields) if entity.by_name[name].required
        ]

    def _missing(self, values: tuple[Any, ...], new: bool) -> list[str]:
        """Why the store cannot take the record, if it cannot: its empty required fields."""
        reasons = [
            f"field {name!r}: required but empty" for i, name in self._required_positions
            if values[i] is None
        ]  # fmt: skip
        if new:
            reasons += [
                f"field {name!r}: required for a new {self.entity.name}, and this stream does "
                "not map it (another stream must create the record first)"
                for name in self._unmapped_required
            ]
        return reasons

    def _invalid(self, values: tuple[Any, ...], linked: Sequence[set[Any]]) -> list[str]:
        """Why the record's values cannot stand: a value outside the config's list, a required
        link naming no stored row."""
        reasons = [
            f"field {name!r}: {values[i]!r} is not one of {where}; known: "
            f"{', '.join(sorted(known))}"
            for i, name, where, known in self.allowed
            if values[i] is not None and values[i] not in known
        ]
        reasons += [
            f"field {link.local_field!r}: no {link.target} {values[i]!r} in the store; a "
            f"{self.entity.name} needs its {link.target} (sync that first)"
            for (i, link), present in zip(self.required_links, linked, strict=True)
            if values[i] is not None and values[i] not in present
        ]
        return reasons

    async def _linked(
        self, conn: AsyncConnection, records: Sequence[MappedRecord]
    ) -> list[set[Any]]:
        """Per required link, the values of the batch that name a live row of its target."""
        found: list[set[Any]] = []
        for index, link in self.required_links:
            target = tables.entity_tables[link.target]
            remote = target.c[link.remote_field]
            wanted = sorted({v for r in records if (v := r.values[index]) is not None})
            present: set[Any] = set()
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start : start + LOOKUP_CHUNK]
                query = select(remote).where(remote.in_(chunk), target.c.deleted_at.is_(None))
                present.update((await conn.execute(query)).scalars())
            found.append(present)
        return found

    async def apply(
        self,
        transaction: Transaction,
        records: Sequence[MappedRecord],
        provenance: Provenance,
        now: datetime,
    ) -> BatchOutcome:
        outcome = BatchOutcome()
        if not records:
            return outcome
        conn = transaction.conn
        stored = await _stored_rows(conn, self.table, self.fields, [r.values[0] for r in records])
        linked = await self._linked(conn, records)
        checked = bool(self.allowed or self.required_links)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        changes: list[ChangeRecord] = []
        conflicts: list[dict[str, Any]] = []
        # Stored records of the batch: values after authority, and as the writer gave them.
        offers: list[tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = []
        fields = self.fields
        entity = self.entity.name
        for record in records:
            values = record.values
            key = values[0]
            project_code = values[self.project_index] if self.project_index is not None else None
            previous = stored.get(key)
            if checked and (invalid := self._invalid(values, linked)):
                outcome.incomplete[key] = invalid
                continue
            if (previous is None and self._unmapped_required) or None in values:
                missing = self._missing(values, previous is None)
                if missing:
                    outcome.incomplete[key] = missing
                    continue
            if previous is None:
                row = dict(zip(fields, values, strict=True))
                changes.append(
                    ChangeRecord.created(entity, key, project_code, row, record.source_time)
                )
                row["src_connector"] = provenance.connector
                row["src_key"] = record.source_key
                row["synced_at"] = now
                inserts.append(row)
                outcome.inserted.append(key)
                continue
            old_values, deleted_at = previous.values, previous.deleted_at
            # The record's provenance moves to the writer unless an authority other than the
            # writer owns it (its reconcile, not the writer's, tells when it is gone).
            owner = (provenance.connector, record.source_key)
            if self.authority:
                given = values
                values, foreign = self._respect_authority(
                    key, project_code, previous, values, provenance, now, conflicts
                )
                if foreign:
                    owner = (previous.connector, previous.source_key)
                offers.append((key, values, given))
            if old_values == values and deleted_at is None:
                outcome.unchanged.append(key)
                continue
            updates.append(
                {f"b_{f}": v for f, v in zip(fields, values, strict=True)}
                | {
                    "b_key": key,
                    "b_src_connector": owner[0],
                    "b_src_key": owner[1],
                    "b_synced_at": now,
                }
            )
            if deleted_at is not None:
                changes.append(ChangeRecord.restored(entity, key, project_code, record.source_time))
            for name, old, new in zip(fields, old_values, values, strict=True):
                if old != new:
                    changes.append(
                        ChangeRecord.updated(
                            entity, key, project_code, name, old, new, record.source_time
                        )
                    )
            outcome.updated.append(key)
        if inserts:
            for snapshot in self._snapshots:
                await self._take_snapshot(conn, snapshot, inserts)
            await insert_many(conn, self.table, inserts)
        if updates:
            await self._updates.execute(conn, updates)
        if offers:
            outcome.conflicts = await self._settle_conflicts(
                conn, conflicts, offers, provenance.connector, now
            )
        outcome.changes = await transaction.append(changes, provenance, now)
        return outcome

    def _owners(self, owner: str, previous: StoredRow) -> tuple[str, ...]:
        """The connectors whose value wins for a field ``owner`` governs, in this record."""
        if owner != DEPARTMENT_AUTHORITY:
            return (owner,)
        return self.departments.get(previous.department or "", ())

    def _respect_authority(
        self,
        key: Any,
        project_code: str | None,
        previous: StoredRow,
        values: tuple[Any, ...],
        provenance: Provenance,
        now: datetime,
        conflicts: list[dict[str, Any]],
    ) -> tuple[tuple[Any, ...], bool]:
        """Keep the authoritative connector's values: another source's differing value becomes a
        conflict instead of an update; it may still fill a value the store lacks. Also returns
        whether the record has an authority and the writer is none of it."""
        kept = list(values)
        owners = {
            index: self._owners(rule, previous) for index, (_, rule) in self.authority.items()
        }
        authorities = {name for names in owners.values() for name in names}
        for index, names in owners.items():
            if not names or provenance.connector in names:
                continue
            old, new = previous.values[index], values[index]
            if old is None or old == new:
                continue
            kept[index] = old
            conflicts.append(
                {
                    "entity": self.entity.name,
                    "entity_key": str(key),
                    "project_code": project_code,
                    "field": self.authority[index][0],
                    "authority": ", ".join(names),
                    "connector": provenance.connector,
                    "stored_value": json_safe(old),
                    "offered_value": json_safe(new),
                    "sync_run_id": provenance.sync_run_id,
                    "detected_at": now,
                }
            )
        return tuple(kept), bool(authorities) and provenance.connector not in authorities

    async def _settle_conflicts(
        self,
        conn: AsyncConnection,
        conflicts: list[dict[str, Any]],
        offers: Sequence[tuple[Any, tuple[Any, ...], tuple[Any, ...]]],
        connector: str,
        now: datetime,
    ) -> int:
        """Record the batch's new conflicts and close the open ones it settles: the sources now
        agree (the stored value is the one offered), or the connector that offered a value
        offers another now. A conflict still open with the same offered value is not repeated
        (re-reads of an unchanged source would otherwise repeat it every run). Returns how
        many were recorded."""
        table = tables.conflicts
        positions = {name: index for index, (name, _) in self.authority.items()}
        current = {str(key): (kept, given) for key, kept, given in offers}
        open_: list[Any] = []
        keys = sorted(current)
        for start in range(0, len(keys), LOOKUP_CHUNK):
            query = select(
                table.c.id, table.c.entity_key, table.c.field, table.c.connector,
                table.c.offered_value,
            ).where(
                table.c.entity == self.entity.name,
                table.c.entity_key.in_(keys[start : start + LOOKUP_CHUNK]),
                table.c.resolved_at.is_(None),
            )  # fmt: skip
            open_ += (await conn.execute(query)).all()
        known: set[tuple[str, str, str, str]] = set()
        settled: list[int] = []
        for id_, key, field_name, by, value in open_:
            index = positions.get(field_name)
            if index is None:
                continue
            kept, given = current[key]
            agreed = json_safe(kept[index]) == value
            superseded = by == connector and json_safe(given[index]) != value
            if agreed or superseded:
                settled.append(id_)
            else:
                known.add((key, field_name, by, repr(value)))
        if settled:
            await conn.execute(
                table.update().where(table.c.id.in_(settled)).values(resolved_at=now)
            )
        new = [
            c
            for c in conflicts
            if (c["entity_key"], c["field"], c["connector"], repr(c["offered_value"])) not in known
        ]
        if new:
            await insert_many(conn, table, new)
        return len(new)

    async def _take_snapshot(
        self, conn: AsyncConnection, snapshot: Snapshot, inserts: list[dict[str, Any]]
    ) -> None:
        """Copy ``snapshot``'s value from each inserted row's linked row, as it is now."""
        link = self.entity.link(snapshot.link)
        target = tables.entity_tables[link.target]
        remote, source = target.c[link.remote_field], target.c[snapshot.source_field]
        codes = sorted({c for row in inserts if (c := row.get(link.local_field)) is not None})
        found: dict[Any, Any] = {}
        for start in range(0, len(codes), LOOKUP_CHUNK):
            chunk = codes[start : start + LOOKUP_CHUNK]
            found.update(
                tuple(r)
                for r in await conn.execute(select(remote, source).where(remote.in_(chunk)))
            )
        for row in inserts:
            row[snapshot.field] = found.get(row.get(link.local_field))
