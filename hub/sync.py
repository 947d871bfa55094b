"""The sync engine: reads a connector's streams in batches and applies them to the store.

Per batch, in one transaction: map and validate (bad rows go to rejects with their raw content
and reasons), diff against the store, write inserts, updates and the change log, advance the
stream's cursor and renew the connector's lease. A crash at any point leaves the store at the end
of the last committed batch, and the next run starts from that batch's cursor; re-read rows diff
as unchanged, so nothing is lost or duplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, exists, func, null, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import divisions, tables
from hub.authenticity import Authenticity, KeyRing
from hub.batch import LOOKUP_CHUNK, BatchOutcome, BatchWriter, MappedRecord
from hub.bulk import insert_many
from hub.changelog import ChangeLog, ChangeRecord, CommitHook, Provenance
from hub.clock import utcnow
from hub.config import CodeTable, HubConfig, StreamConfig
from hub.cursors import decode_cursor, encode_cursor, step_back
from hub.entities import DIVISION_MAP, ENTITIES
from hub.errors import (
    MappingError,
    ReconcileRefusedError,
    StoreWriteError,
    UnknownNameError,
)
from hub.leases import Leases
from hub.mapping import (
    ConversionError,
    RecordMapper,
    json_kind,
    parse_datetime,
    raw_json,
    storable_text,
    to_utc,
)
from hub.pipeline import read_ahead
from hub.runs import RowResult, RunLog, RunReport, StreamStats
from hub.source import RawRow, ReadRequest, Source
from hub.source_check import SourceCheck
from hub.store import Store
from hub.tables import SOURCE_KEY_LENGTH
from hub.value_maps import ValueMaps, chain_gaps

ProgressCallback = Callable[["StreamStats"], None]


@dataclass(slots=True)
class _StreamPlan:
    """A stream compiled for one run: its mapper, writer and provenance."""

    connector: str
    stream: StreamConfig
    mapper: RecordMapper
    writer: BatchWriter
    provenance: Provenance
    zone: ZoneInfo

    @property
    def key_label(self) -> str | None:
        return self.stream.fields[self.mapper.entity.key].column


@dataclass(slots=True)
class _PreparedBatch:
    """A batch mapped and validated, waiting for its transaction."""

    plan: _StreamPlan
    rows: Sequence[Mapping[str, Any]]
    now: datetime
    records: list[MappedRecord] = field(default_factory=list)
    record_rows: list[int] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # stored records, value nulled
    results: list[RowResult] = field(default_factory=list)
    cursor: Any = None


AfterRun = Callable[[RunReport], Awaitable[None]]


class SyncEngine:
    """Runs connectors' syncs against one store. Each connector syncs once at a time across all
    hub processes sharing the store (a lease row, renewed with every batch; a run waits up to
    ``lease_wait`` seconds for another holder's lease). ``on_commit`` is
    awaited after every transaction that added to the change log (the change feed's wake-up);
    ``after_run`` after every run, its lease released (the data checks)."""

    def __init__(
        self,
        store: Store,
        config: HubConfig,
        *,
        lease_seconds: int = 600,
        lease_wait: float = 0,
        on_commit: CommitHook | None = None,
        after_run: AfterRun | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.after_run = after_run
        self.changelog = ChangeLog(store, on_commit)
        self.leases = Leases(store, timedelta(seconds=lease_seconds), wait=lease_wait)
        self.runs = RunLog(store)
        self.source_check = SourceCheck(store)
        self.authenticity = Authenticity(KeyRing.from_config(config))

    async def sync(
        self,
        connector: Source,
        *,
        full: bool = False,
        accept_drift: bool = False,
        progress: ProgressCallback | None = None,
    ) -> RunReport:
        """Sync every stream of ``connector``; a failure ends in a report, never half a batch.
        ``accept_drift`` reads sources whose mapped columns changed type since the last run."""

        async def each_stream(value_maps: ValueMaps, report: RunReport) -> None:
            for stream in connector.config.streams:
                stats = StreamStats(connector.name, stream.stream_name, stream.entity)
                report.streams.append(stats)
                await self._sync_stream(connector, stream, value_maps, report, stats, progress)

        mode = "full" if full else "incremental"
        return await self._run(connector, mode, each_stream, accept_drift=accept_drift)

    async def reconcile(
        self,
        connector: Source,
        *,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> RunReport:
        """Scan the source's keys and soft-delete this connector's rows that are gone from it,
        each with a ``deleted`` change; refuse when more than ``max_delete_share`` would go."""

        async def each_stream(value_maps: ValueMaps, report: RunReport) -> None:
            for stream in connector.config.streams:
                if not stream.reconcile:
                    continue
                stats = StreamStats(connector.name, stream.stream_name, stream.entity)
                report.streams.append(stats)
                await self._reconcile_stream(connector, stream, value_maps, report, stats, force)
                if progress is not None:
                    progress(stats)

        return await self._run(connector, "reconcile", each_stream)

    async def _run(
        self,
        connector: Source,
        mode: str,
        body: Callable[[ValueMaps, RunReport], Awaitable[None]],
        *,
        accept_drift: bool = False,
    ) -> RunReport:
        """One leased, recorded run: the lease is held and the sync_runs row kept throughout."""
        report = RunReport(connector=connector.name, mode=mode, accept_drift=accept_drift)
        started = time.perf_counter()
        await self.leases.acquire(connector.name)
        try:
            report.run_id = await self.runs.start(connector.name, mode, recover=True)
            try:
                await body(await self._value_maps(connector), report)
                report.succeed()
            except Exception as exc:  # recorded on the run; the caller decides to retry
                report.fail(exc)
            report.seconds = time.perf_counter() - started
            await self.runs.finish(report)
        finally:
            await self.leases.release(connector.name)
        if self.after_run is not None:  # a failed run may have committed batches too
            await self.after_run(report)
        return report

    async def _reconcile_stream(
        self,
        connector: Source,
        stream: StreamConfig,
        value_maps: Mapping[str, Mapping[str, str]],
        report: RunReport,
        stats: StreamStats,
        force: bool,
    ) -> None:
        started = time.perf_counter()
        entity = ENTITIES[stream.entity]
        keys_only = stream.model_copy(
            update={"fields": {entity.key: stream.fields[entity.key]}, "cursor": None}
        )
        keys_only = await self.source_check.check(connector, keys_only, value_maps)
        mapper = RecordMapper(keys_only, value_maps, connector.config.timezone)
        present: set[Any] = set()
        request = ReadRequest(keys_only, mapper.columns, connector.config.batch_size)
        async for rows in connector.read(request):
            stats.read += len(rows)
            for row in rows:
                values, _ = mapper.map(row)
                if values is not None:
                    present.add(values[0])
        table = tables.entity_tables[entity.name]
        key_column = table.c[entity.key]
        project_column = table.c[entity.project_field] if entity.project_field else None
        async with self.store.read() as conn:
            stored = {
                row[0]: row[1]
                for row in await conn.execute(
                    select(
                        key_column, project_column if project_column is not None else null()
                    ).where(table.c.src_connector == connector.name, table.c.deleted_at.is_(None))
                )
            }
        missing = sorted(set(stored) - present)
        provenance = Provenance(connector.name, connector.config.department, report.run_id)
        cap = connector.config.max_delete_share
        if missing and not force and len(missing) > cap * len(stored):
            raise ReconcileRefusedError(
                connector.name, stream.stream_name, len(missing), len(stored), cap
            )
        for start in range(0, len(missing), LOOKUP_CHUNK):
            chunk = missing[start : start + LOOKUP_CHUNK]
            now = utcnow()
            async with self.changelog.write() as transaction:
                conn = transaction.conn
                await conn.execute(
                    update(table)
                    .where(key_column.in_(chunk), table.c.deleted_at.is_(None))
                    .values(deleted_at=now, synced_at=now)
                )
                await transaction.append(
                    [ChangeRecord.deleted(entity.name, key, stored[key]) for key in chunk],
                    provenance,
                    now,
                )
                await self.leases.renew(conn, connector.name, now)
            stats.deleted += len(chunk)
            stats.changes += len(chunk)
        stats.unchanged = len(stored) - len(missing)
        stats.seconds = time.perf_counter() - started

    async def ingest(
        self, connector: Source, stream_name: str, rows: Sequence[Mapping[str, Any]]
    ) -> tuple[RunReport, list[RowResult]]:
        """Apply records a department pushed, through the same validate -> diff -> change-log
        path as a pull, as one run; every row's result comes back in input order."""
        stream = next((s for s in connector.config.streams if s.stream_name == stream_name), None)
        if stream is None:
            known = [s.stream_name for s in connector.config.streams]
            raise UnknownNameError(f"stream of connector {connector.name!r}", stream_name, known)
        report = RunReport(connector=connector.name, mode="push")
        started = time.perf_counter()
        stats = StreamStats(connector.name, stream.stream_name, stream.entity)
        report.streams.append(stats)
        report.run_id = await self.runs.start(connector.name, "push", recover=False)
        results: list[RowResult] = []
        try:
            value_maps = await self._value_maps(connector)
            plan = self._plan(connector, stream, value_maps, report.run_id, strict_json=True)
            results = await self._apply_rows(plan, rows, stats)
            report.state = "succeeded"
        except Exception as exc:  # recorded on the run and returned to the pusher
            report.fail(exc)
        report.seconds = stats.seconds = time.perf_counter() - started
        await self.runs.finish(report)
        return report, results

    def _plan(
        self,
        connector: Source,
        stream: StreamConfig,
        value_maps: Mapping[str, Mapping[str, str]],
        run_id: int | None,
        *,
        strict_json: bool = False,
    ) -> _StreamPlan:
        mapper = RecordMapper(
            stream, value_maps, connector.config.timezone, strict_json=strict_json
        )
        return _StreamPlan(
            connector=connector.name,
            stream=stream,
            mapper=mapper,
            writer=BatchWriter(
                mapper.entity,
                mapper.fields,
                self.config.authority_for(stream.entity),
                self.config.allowed_values(stream.entity),
                self.config.connectors_by_department(),
            ),
            provenance=Provenance(connector.name, connector.config.department, run_id),
            zone=ZoneInfo(connector.config.timezone),
        )

    async def _sync_stream(
        self,
        connector: Source,
        stream: StreamConfig,
        value_maps: Mapping[str, Mapping[str, str]],
        report: RunReport,
        stats: StreamStats,
        progress: ProgressCallback | None,
    ) -> None:
        started = time.perf_counter()
        configured = stream
        stream = await self.source_check.check(
            connector, stream, value_maps, accept_drift=report.accept_drift
        )
        plan = self._plan(connector, stream, value_maps, report.run_id)
        cursor = None
        if report.mode == "incremental" and stream.cursor:
            stored = await self._load_cursor(connector.name, stream.stream_name)
            cursor = step_back(stored, stream.overlap)
        batches = connector.read(
            ReadRequest(stream, plan.mapper.columns, connector.config.batch_size, cursor)
        )
        # A pipeline: the source reads ahead while a batch is mapped, and a batch is mapped
        # while the one before commits. Commits stay one at a time, in read order.
        committing: tuple[asyncio.Task[BatchOutcome], list[RawRow]] | None = None
        try:
            async for rows in read_ahead(batches):
                prepared = self._prepare(plan, rows)
                if committing is not None:
                    await self._settle(connector, configured, committing, stats, started, progress)
                task = asyncio.create_task(self._commit(prepared, stats, lease=True))
                committing = (task, rows)
            if committing is not None:
                await self._settle(connector, configured, committing, stats, started, progress)
                committing = None
        finally:
            if committing is not None and not committing[0].done():
                committing[0].cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await committing[0]
        report.skipped.extend(connector.failures())
        stats.orphans = await self._count_orphans(connector.name, stream)
        stats.seconds = time.perf_counter() - started
        if progress is not None:
            progress(stats)

    async def _apply_rows(
        self,
        plan: _StreamPlan,
        rows: Sequence[Mapping[str, Any]],
        stats: StreamStats,
        *,
        lease: bool = False,
    ) -> list[RowResult]:
        """Map, validate and write one batch in one transaction; returns each row's result."""
        batch = self._prepare(plan, rows)
        return self._row_results(batch, await self._commit(batch, stats, lease=lease))

    def _prepare(self, plan: _StreamPlan, rows: Sequence[Mapping[str, Any]]) -> _PreparedBatch:
        """Map and validate a batch (no I/O, so it can overlap the previous batch's commit)."""
        stream, mapper = plan.stream, plan.mapper
        batch = _PreparedBatch(plan, rows, utcnow())
        first_seen: dict[Any, tuple[Any, ...]] = {}
        key_label = plan.key_label
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):  # a pushed JSON value that is not an object
                reasons = [f"the record is a JSON {json_kind(row)}, not an object"]
                batch.rejects.append(self._reject(plan, {"record": row}, None, reasons, batch.now))
                batch.results.append(RowResult(index, None, "rejected", reasons))
                continue
            cursor_value = row.get(stream.cursor) if stream.cursor else None
            if cursor_value is not None and (batch.cursor is None or cursor_value > batch.cursor):
                batch.cursor = cursor_value
            warnings: list[str] = []
            values, reasons = mapper.map(row, warnings)
            source_key = row.get(key_label) if key_label else None
            if values is not None:
                source_key = values[0]
                earlier = first_seen.get(source_key)
                if earlier is None:
                    first_seen[source_key] = values
                elif earlier == values:
                    batch.results.append(RowResult(index, str(source_key), "unchanged"))
                    continue
                else:
                    reasons = [
                        f"field {mapper.entity.key!r}: duplicate key {source_key!r} with "
                        "different values in one batch; the first row was kept"
                    ]
            # A rejected row's key as the source sent it, within what rejects.source_key holds.
            key_text = (
                None if source_key is None else storable_text(str(source_key))[:SOURCE_KEY_LENGTH]
            )
            # map() gives no values exactly when it gives reasons; the test says so to mypy too.
            if reasons or values is None:
                batch.rejects.append(self._reject(plan, row, key_text, reasons, batch.now))
                batch.results.append(RowResult(index, key_text, "rejected", reasons))
                continue
            batch.records.append(
                MappedRecord(values, str(source_key), _source_time(cursor_value, plan.zone))
            )
            batch.record_rows.append(index)
            if warnings:
                batch.warnings.append(self._reject(plan, row, key_text, warnings, batch.now))
        return batch

    @staticmethod
    def _reject(
        plan: _StreamPlan,
        row: Mapping[str, Any],
        key: str | None,
        reasons: list[str],
        now: datetime,
    ) -> dict[str, Any]:
        stream = plan.stream
        return {
            "connector": plan.connector,
            "stream": stream.stream_name,
            "entity": stream.entity,
            "sync_run_id": plan.provenance.sync_run_id,
            "source_key": key,
            "raw": raw_json(row),
            "reasons": reasons,
            "fingerprint": _fingerprint(plan.connector, stream.stream_name, row, reasons),
            "created_at": now,
        }

    @staticmethod
    def _row_results(batch: _PreparedBatch, outcome: BatchOutcome) -> list[RowResult]:
        """Each row's result, in row order (a pusher's answer; a sync does not need them)."""
        status = dict.fromkeys(outcome.inserted, "inserted")
        status.update(dict.fromkeys(outcome.updated, "updated"))
        status.update(dict.fromkeys(outcome.incomplete, "rejected"))
        results = batch.results
        for index, record in zip(batch.record_rows, batch.records, strict=True):
            key = record.values[0]
            reasons = outcome.incomplete.get(key, [])
            results.append(RowResult(index, str(key), status.get(key, "unchanged"), reasons))
        results.sort(key=lambda r: r.index)
        return results

    async def _commit(
        self, batch: _PreparedBatch, stats: StreamStats, *, lease: bool = False
    ) -> BatchOutcome:
        """Write a prepared batch, its rejects and its cursor in one transaction; the store's
        refusal is a ``StoreWriteError`` that names the stream, never the SQL."""
        plan = batch.plan
        try:
            outcome = await self._write(batch, lease=lease)
        except DBAPIError as exc:
            raise StoreWriteError.from_database(
                plan.connector, plan.stream.stream_name, exc
            ) from None
        inserted, updated, rejected = (
            len(outcome.inserted),
            len(outcome.updated),
            len(batch.rejects),
        )
        stats.read += len(batch.rows)
        stats.inserted += inserted
        stats.updated += updated
        stats.unchanged += len(batch.rows) - inserted - updated - rejected
        stats.rejected += rejected
        stats.warned += len(batch.warnings)
        stats.changes += outcome.changes
        stats.conflicts += outcome.conflicts
        if batch.cursor is not None:
            stats.cursor = batch.cursor
        return outcome

    async def _write(self, batch: _PreparedBatch, *, lease: bool) -> BatchOutcome:
        plan, now = batch.plan, batch.now
        async with self.changelog.write() as transaction:
            conn = transaction.conn
            outcome = await plan.writer.apply(transaction, batch.records, plan.provenance, now)
            if plan.stream.entity == "outcome" and (outcome.inserted or outcome.updated):
                # Checked in the batch's transaction: an outcome is never stored unchecked.
                written = [*outcome.inserted, *outcome.updated]
                await self.authenticity.check(conn, written, now)
            if outcome.incomplete:
                for index, record in zip(batch.record_rows, batch.records, strict=True):
                    reasons = outcome.incomplete.get(record.values[0])
                    if reasons:
                        row = batch.rows[index]
                        reject = self._reject(plan, row, record.source_key, reasons, now)
                        batch.rejects.append(reject)
            if batch.rejects:
                await self._record_rejects(conn, plan, batch.rejects)
            if batch.warnings:
                await self._record_rejects(conn, plan, batch.warnings, tables.record_warnings)
            if batch.cursor is not None:
                await self._save_cursor(
                    conn, plan.connector, plan.stream.stream_name, batch.cursor, now
                )
            if lease:
                await self.leases.renew(conn, plan.connector, now)
        return outcome

    async def verify(self, connector: Source) -> dict[str, str | None]:
        """Check every stream's mapping against the live source without reading rows:
        stream name -> None when it fits, else the problem."""
        problems: dict[str, str | None] = {}
        value_maps = await self._value_maps(connector)
        for stream in connector.config.streams:
            try:
                await self.source_check.check(connector, stream, value_maps, remember=False)
                gaps = [
                    f"field {name!r}: {gap}"
                    for name, mapping in stream.fields.items()
                    for gap in chain_gaps(mapping.maps, value_maps)
                ]
                problems[stream.stream_name] = "; ".join(gaps) or None
            except MappingError as exc:
                problems[stream.stream_name] = exc.problem + (f" ({exc.hint})" if exc.hint else "")
        return problems

    @staticmethod
    async def _record_rejects(
        conn: AsyncConnection,
        plan: _StreamPlan,
        rejects: list[dict[str, Any]],
        table: Table = tables.rejects,
    ) -> None:
        """Keep each distinct bad row once (in ``rejects``, or the stored rows with a nulled value
        in ``record_warnings``), however often the source is re-read."""
        known = set(
            (
                await conn.execute(
                    select(table.c.fingerprint).where(
                        table.c.connector == plan.connector,
                        table.c.stream == plan.stream.stream_name,
                        table.c.fingerprint.in_([r["fingerprint"] for r in rejects]),
                    )
                )
            ).scalars()
        )
        fresh = {r["fingerprint"]: r for r in rejects if r["fingerprint"] not in known}
        if fresh:
            await insert_many(conn, table, list(fresh.values()))

    async def _settle(
        self,
        connector: Source,
        stream: StreamConfig,
        committing: tuple[asyncio.Task[BatchOutcome], list[RawRow]],
        stats: StreamStats,
        started: float,
        progress: ProgressCallback | None,
    ) -> None:
        """Wait for a batch's commit, then tell the connector and the progress display."""
        task, rows = committing
        await task
        await connector.committed(stream, rows)
        self._progress(stats, started, progress)

    @staticmethod
    def _progress(stats: StreamStats, started: float, progress: ProgressCallback | None) -> None:
        stats.seconds = time.perf_counter() - started
        if progress is not None:
            progress(stats)

    async def _value_maps(self, connector: Source) -> dict[str, Mapping[str, str]]:
        maps: dict[str, Mapping[str, str]] = {}
        used = {n for s in connector.config.streams for m in s.fields.values() for n in m.maps}
        if DIVISION_MAP in used and DIVISION_MAP not in connector.config.value_maps:
            maps[DIVISION_MAP] = await divisions.name_map(self.store)
        for name, spec in connector.config.value_maps.items():
            if name not in used:
                continue
            if isinstance(spec, CodeTable):
                maps[name] = await connector.code_table(spec.table, spec.code, spec.value)
            else:
                maps[name] = spec
        return maps

    async def _count_orphans(self, connector: str, stream: StreamConfig) -> int:
        """Records kept although their project is not (yet) in the store (invariant 1)."""
        entity_table = tables.entity_tables[stream.entity]
        # A stream that names no project (one feeding fields of records others create) made none.
        if stream.entity == "project" or "project_code" not in stream.fields:
            return 0
        projects = tables.projects
        query = select(func.count()).where(
            entity_table.c.src_connector == connector,
            entity_table.c.deleted_at.is_(None),
            entity_table.c.project_code.is_not(None),
            ~exists().where(projects.c.code == entity_table.c.project_code),
        )
        return int(await self.store.scalar(query))

    async def _load_cursor(self, connector: str, stream: str) -> Any:
        cursors = tables.cursors
        return decode_cursor(
            await self.store.scalar(
                select(cursors.c.value).where(
                    cursors.c.connector == connector, cursors.c.stream == stream
                )
            )
        )

    async def _save_cursor(
        self, conn: AsyncConnection, connector: str, stream: str, value: Any, now: datetime
    ) -> None:
        values = {
            "connector": connector,
            "stream": stream,
            "value": encode_cursor(value),
            "updated_at": now,
        }
        await conn.execute(self.store.upsert(tables.cursors, values, ["connector", "stream"]))


def _fingerprint(connector: str, stream: str, row: Mapping[str, Any], reasons: list[str]) -> str:
    text = json.dumps([connector, stream, raw_json(row), reasons], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _source_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """The source's own time of a row (its cursor, when that is a time), as naive UTC."""
    if not isinstance(value, str | datetime | date):
        return None
    try:
        return to_utc(parse_datetime(value), zone)
    except ConversionError:
        return None
