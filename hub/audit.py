"""The read audit: who read sensitive fields, exported or verified what, written off the
answer's path.

``AuditLog.record`` only queues an entry (no I/O), so a request's answer never waits for its
audit; a background task writes what has queued in one INSERT every ``flush_seconds`` (or at
once when ``max_batch`` entries wait), and ``close`` writes the rest. Entries land in the same
table as ``hub.auth.audit``'s (token and webhook management, pushes), with the viewer's token,
role and department, the operation, the fields, the number of records and the request id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from hub import tables
from hub.clock import utcnow
from hub.policy import Viewer
from hub.request_context import current_request_id
from hub.store import Store

log = logging.getLogger(__name__)


def read_entry(
    viewer: Viewer,
    action: str,
    *,
    operation: str | None,
    fields: Iterable[str] = (),
    records: int,
    **more: Any,
) -> dict[str, Any]:
    """The row of one audited read (``action``: read, export, verification)."""
    detail = {
        "token": viewer.token,
        "role": viewer.role,
        "department": viewer.department,
        "operation": operation,
        "fields": sorted(fields),
        "records": records,
        "request_id": current_request_id(),
    } | more
    return {
        "at": utcnow(),
        "actor": viewer.token or "anonymous",
        "action": action,
        "detail": detail,
    }


class AuditLog:
    """Queues audit entries and writes them in batches (see the module docstring)."""

    def __init__(self, store: Store, *, flush_seconds: float = 0.2, max_batch: int = 500) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self._queue: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def record(self, entry: Mapping[str, Any]) -> None:
        """Queue ``entry`` (a ``read_entry``); it is written within ``flush_seconds``."""
        self._queue.append(dict(entry))
        if len(self._queue) >= self.max_batch or self._task is None:
            self._wake.set()

    async def flush(self) -> int:
        """Write every queued entry now; returns how many."""
        batch, self._queue = self._queue, []
        if batch:
            try:
                async with self.store.write() as conn:
                    await conn.execute(tables.audit_entries.insert(), batch)
            except BaseException:
                self._queue[:0] = batch  # kept for the next try
                raise
        return len(batch)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_seconds):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 - a store outage must not end the audit
                log.exception("could not write audit entries; retrying")

    async def __aenter__(self) -> AuditLog:
        self._task = asyncio.create_task(self._run(), name="audit-writer")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
