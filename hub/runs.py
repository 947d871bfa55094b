"""Sync runs: what a run reports, and its row in ``sync_runs``.

A run ends ``succeeded``, ``partial`` (it stored what it could read, but skipped parts of the
source as a whole: drop files that do not decode, named in its error) or ``failed``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from hub import tables
from hub.clock import utcnow
from hub.errors import HubError
from hub.store import Store


@dataclass(slots=True)
class StreamStats:
    connector: str
    stream: str
    entity: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warned: int = 0  # stored with an invalid optional value emptied (on_invalid = "null")
    deleted: int = 0
    orphans: int = 0
    changes: int = 0
    conflicts: int = 0
    seconds: float = 0.0
    cursor: Any = None


@dataclass(slots=True)
class RunReport:
    connector: str
    mode: str
    run_id: int | None = None
    state: str = "running"
    streams: list[StreamStats] = field(default_factory=list)
    error: str | None = None
    exception: BaseException | None = None
    accept_drift: bool = False
    seconds: float = 0.0
    # Parts of the source skipped as a whole (drop files that do not decode), with reasons.
    skipped: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.streams)

    def succeed(self) -> None:
        """End the run well: ``partial`` when parts of the source were ``skipped``, with them
        as its error."""
        if not self.skipped:
            self.state = "succeeded"
            return
        self.state = "partial"
        several = len(self.skipped) > 1
        self.error = (
            f"{len(self.skipped)} file{'s' if several else ''} failed and "
            f"{'were' if several else 'was'} skipped: " + "; ".join(self.skipped)
        )

    def fail(self, exc: BaseException) -> None:
        self.state = "failed"
        self.error = str(exc) if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
        self.exception = exc

    @property
    def transient(self) -> bool:
        """Whether retrying may help: outages yes, mistakes in config or mapping no."""
        return bool(getattr(self.exception, "transient", False))


@dataclass(slots=True)
class RowResult:
    """What became of one source row: inserted, updated, unchanged or rejected (with reasons)."""

    index: int
    key: str | None
    result: str
    reasons: list[str] = field(default_factory=list)


class RunLog:
    """Keeps ``sync_runs`` up to date for the engine."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def start(self, connector: str, mode: str, *, recover: bool) -> int:
        """Record a run as running; with ``recover``, mark the connector's pulls that a crash
        cut short as failed first."""
        runs = tables.sync_runs
        now = utcnow()
        async with self.store.write() as conn:
            if recover:
                # A pull still marked running while we hold the lease was cut short by a crash.
                await conn.execute(
                    update(runs)
                    .where(
                        runs.c.connector == connector,
                        runs.c.state == "running",
                        runs.c.mode != "push",
                    )
                    .values(
                        state="failed",
                        finished_at=now,
                        error="interrupted: the process stopped during the run",
                    )
                )
            result = await conn.execute(
                runs.insert().values(
                    connector=connector, mode=mode, state="running", started_at=now
                )
            )
            key = result.inserted_primary_key
            # Typed Optional for executemany; a single-row INSERT always reports its key.
            assert key is not None
            return int(key[0])

    async def finish(self, report: RunReport) -> None:
        runs = tables.sync_runs
        async with self.store.write() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == report.run_id)
                .values(
                    state=report.state,
                    finished_at=utcnow(),
                    rows_read=report.total("read"),
                    rows_inserted=report.total("inserted"),
                    rows_updated=report.total("updated"),
                    rows_unchanged=report.total("unchanged"),
                    rows_rejected=report.total("rejected"),
                    rows_warned=report.total("warned"),
                    rows_deleted=report.total("deleted"),
                    orphans=report.total("orphans"),
                    conflicts=report.total("conflicts"),
                    error=report.error,
                )
            )
