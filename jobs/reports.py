"""The report job: on Monday morning (``[reports] monday_at``, China time), and once at start,
it builds the weekly report of the week that just ended and keeps it in the reports directory,
unless it is kept already. ``ReportJobs.for_runtime`` is the job factory the app and
``hub worker`` pass to ``hub.runtime.open_runtime``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from hub.runtime import Runtime
from jobs.runs import RunsInProgress
from schema.report.archive import ReportArchive
from schema.report.weekly import last_complete_week, weekly_report

log = logging.getLogger("hub.jobs")
CHINA_ZONE = "Asia/Shanghai"


class ReportJobs:
    """The scheduled weekly report of one deployment."""

    def __init__(self, runtime: Runtime, *, scheduler: AsyncIOScheduler | None = None) -> None:
        self.runtime = runtime
        self.archive = ReportArchive(runtime.config.reports_directory())
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.runs = RunsInProgress()

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> ReportJobs:
        return cls(runtime)

    async def run(self) -> Path | None:
        """Keep the report of the last complete week; its path, or None if it was kept."""
        with self.runs.tracked():
            week = last_complete_week(self.runtime.supervision.business_day())
            if self.archive.has(week):
                return None
            report = await weekly_report(self.runtime.store, self.runtime.config, week)
            kept = self.archive.keep(report)
        log.info("weekly report %s kept in %s", week, kept)
        return kept

    async def __aenter__(self) -> ReportJobs:
        hour, minute = self.runtime.config.reports.monday_at.split(":")
        self.scheduler.add_job(
            self.run,
            CronTrigger(day_of_week="mon", hour=int(hour), minute=int(minute), timezone=CHINA_ZONE),
            id="weekly-report",
            name="weekly report",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.runs.cancel()
