"""Where each connector stands: its last run, the rows it moved, its open rejects, each
stream's cursor and how far the store lags behind the source; and where each drop file stands
(the latest content seen under each name: applied, or failed and why)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select

from hub import tables
from hub.cursors import decode_cursor
from hub.errors import HubError
from hub.source import Source
from hub.store import Store


@dataclass(frozen=True, slots=True)
class StreamStatus:
    connector: str
    stream: str
    last_run_at: datetime | None
    state: str
    rows_read: int
    rows_written: int
    rejects: int
    cursor: Any
    pending: int | None  # source rows past the cursor; None when unknown or unreachable
    error: str | None


async def connector_status(store: Store, connectors: Sequence[Source]) -> list[StreamStatus]:
    runs, rejects, cursors = tables.sync_runs, tables.rejects, tables.cursors
    rows: list[StreamStatus] = []
    async with store.read() as conn:
        last_runs = {
            r.connector: r
            for r in await conn.execute(
                select(runs).where(
                    # A push connector's runs are its pushes: they count like pulls.
                    runs.c.id.in_(select(func.max(runs.c.id)).group_by(runs.c.connector))
                )
            )
        }
        reject_counts = {
            (c, s): n
            for c, s, n in await conn.execute(
                select(rejects.c.connector, rejects.c.stream, func.count()).group_by(
                    rejects.c.connector, rejects.c.stream
                )
            )
        }
        stored_cursors = {
            (c, s): decode_cursor(v)
            for c, s, v in await conn.execute(
                select(cursors.c.connector, cursors.c.stream, cursors.c.value)
            )
        }
    for connector in connectors:
        run = last_runs.get(connector.name)
        for stream in connector.config.streams:
            cursor = stored_cursors.get((connector.name, stream.stream_name))
            error = run.error if run is not None else None
            try:
                pending = await connector.pending(stream, cursor)
            except HubError as exc:
                pending, error = None, str(exc)
            rows.append(
                StreamStatus(
                    connector=connector.name,
                    stream=stream.stream_name,
                    last_run_at=run.started_at if run is not None else None,
                    state=run.state if run is not None else "never run",
                    rows_read=run.rows_read if run is not None else 0,
                    rows_written=(run.rows_inserted + run.rows_updated) if run is not None else 0,
                    rejects=reject_counts.get((connector.name, stream.stream_name), 0),
                    cursor=cursor,
                    pending=pending,
                    error=error,
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class FileStatus:
    connector: str
    file: str  # path in the drop folder, then '#' and the stream
    state: str  # applied / failed
    rows: int
    error: str | None
    processed_at: datetime


def latest_files() -> Select[Any]:
    """``source_files`` rows of the latest content seen under each file name (an older content
    that failed and was replaced no longer counts)."""
    files = tables.source_files
    latest = (
        select(files.c.connector, files.c.path, func.max(files.c.processed_at).label("at"))
        .group_by(files.c.connector, files.c.path)
        .subquery()
    )
    return select(files).join(
        latest,
        and_(
            files.c.connector == latest.c.connector,
            files.c.path == latest.c.path,
            files.c.processed_at == latest.c.at,
        ),
    )


async def file_status(
    store: Store, *, connector: str | None = None, state: str | None = None
) -> list[FileStatus]:
    files = tables.source_files
    query = latest_files().order_by(files.c.connector, files.c.path)
    if connector is not None:
        query = query.where(files.c.connector == connector)
    if state is not None:
        query = query.where(files.c.state == state)
    async with store.read() as conn:
        return [
            FileStatus(r.connector, r.path, r.state, r.rows, r.error, r.processed_at)
            for r in await conn.execute(query)
        ]
