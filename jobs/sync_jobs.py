"""Scheduled syncs: one APScheduler job per connector that has a ``schedule``.

A transient failure (an outage) is retried with growing delays until the source answers; a
terminal one (a mapping that no longer fits the source) waits for the next scheduled run, since
retrying cannot fix it. Each job runs at most once at a time and missed runs coalesce into one.
``SyncJobs.for_runtime`` is the job factory the app and ``hub worker`` pass to
``hub.runtime.open_runtime``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from connectors.base import Connector
from connectors.registry import build_connector
from hub.errors import SyncLockedError
from hub.runs import RunReport
from hub.runtime import Runtime
from hub.schedules import parse_schedule
from hub.sync import SyncEngine
from jobs.runs import RunsInProgress

log = logging.getLogger("hub.jobs")

RETRY_DELAYS = (30, 60, 120, 300, 600, 1800)


class SyncJobs:
    """The scheduled syncs of ``connectors``, which it owns: ``shutdown()`` (or leaving the
    ``async with`` block) waits for the runs in progress to stop and closes the connectors."""

    def __init__(
        self,
        engine: SyncEngine,
        connectors: Sequence[Connector[Any]],
        *,
        scheduler: AsyncIOScheduler | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.engine = engine
        self.connectors = {c.name: c for c in connectors}
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.retry_delays = tuple(retry_delays)
        self.failures: dict[str, int] = {}
        self.last_reports: dict[str, RunReport] = {}
        self.runs = RunsInProgress()

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> SyncJobs:
        """The scheduled syncs of the config's enabled connectors, on the runtime's engine."""
        config = runtime.config
        connectors = [build_connector(c, config) for c in config.connectors if c.enabled]
        return cls(runtime.engine, connectors)

    def start(self) -> None:
        """Add a job per scheduled connector and start the scheduler (inside a running loop)."""
        for name, connector in self.connectors.items():
            if not connector.config.enabled:
                continue
            if connector.config.schedule:
                self._add(self.run, "sync", name, connector.config.schedule)
            if connector.config.reconcile_schedule:
                self._add(self.reconcile, "reconcile", name, connector.config.reconcile_schedule)
        self.scheduler.start()

    async def __aenter__(self) -> SyncJobs:
        self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.shutdown()

    def _add(
        self, job: Callable[[str], Awaitable[RunReport | None]], kind: str, name: str, when: str
    ) -> None:
        self.scheduler.add_job(
            job,
            parse_schedule(when, self.connectors[name].config.timezone),
            args=[name],
            id=f"{kind}:{name}",
            name=f"{kind} {name}",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )

    async def reconcile(self, name: str) -> RunReport | None:
        """Scan ``name``'s keys for deletes; a refusal by the safety cap is logged, not retried
        (it needs a person to look at the source)."""
        try:
            with self.runs.tracked():
                report = await self.engine.reconcile(self.connectors[name])
        except SyncLockedError:
            log.info("reconcile %s skipped: a run of it is in progress", name)
            return None
        self.last_reports[f"reconcile:{name}"] = report
        if report.state == "succeeded":
            log.info("reconcile %s: %d deleted", name, report.total("deleted"))
        else:
            log.error("reconcile %s failed: %s", name, report.error)
        return report

    async def run(self, name: str) -> RunReport | None:
        """Sync ``name`` now; schedule a retry if it failed for a reason that may pass."""
        try:
            with self.runs.tracked():
                report = await self.engine.sync(self.connectors[name])
        except SyncLockedError:
            log.info("sync %s skipped: another instance is running it", name)
            return None
        self.last_reports[name] = report
        if report.state == "succeeded":
            self.failures.pop(name, None)
            log.info(
                "sync %s: %d read, %d inserted, %d updated, %d rejected",
                name,
                report.total("read"),
                report.total("inserted"),
                report.total("updated"),
                report.total("rejected"),
            )
        elif report.transient:
            attempt = self.failures.get(name, 0)
            self.failures[name] = attempt + 1
            delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
            log.warning(
                "sync %s failed (attempt %d), retrying in %ss: %s",
                name,
                attempt + 1,
                delay,
                report.error,
            )
            self.scheduler.add_job(
                self.run,
                DateTrigger(datetime.now(UTC) + timedelta(seconds=delay)),
                args=[name],
                id=f"retry:{name}",
                replace_existing=True,
            )
        else:
            log.error(
                "sync %s failed and will not be retried until its next run: %s", name, report.error
            )
        return report

    async def shutdown(self) -> None:
        """Stop scheduling, cancel the runs in progress and wait until they have rolled back and
        let go of their connections, then close the connectors. (APScheduler's own shutdown
        only requests the cancellation; a loop that closes before the runs have unwound leaves
        their connections open.)"""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.runs.cancel()
        for connector in self.connectors.values():
            await connector.close()
