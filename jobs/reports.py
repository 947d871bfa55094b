"""The report job: on Monday morning (``[reports] monday_at``, China time), and once at start,
it builds the weekly report of the week that just ended and keeps it in the reports directory,
unless it is kept already. ``ReportJobs.for_runtime`` is the job factory the app and
``hub worker`` pass to ``hub.runtime.open_runtime``."""

from __future__ import annotations

import logging
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from hub.runtime import Runtime
from jobs.periodic import PeriodicJob
from schema.report.archive import ReportArchive
from schema.report.weekly import last_complete_week, weekly_report

log = logging.getLogger("hub.jobs")
CHINA_ZONE = "Asia/Shanghai"


class ReportJobs(PeriodicJob):
    """The scheduled weekly report of one deployment."""

    job_id = "weekly-report"

    def __init__(self, runtime: Runtime, *, scheduler: AsyncIOScheduler | None = None) -> None:
        super().__init__(scheduler)
        self.runtime = runtime
        self.archive = ReportArchive(runtime.config.reports_directory())

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

    def trigger(self) -> CronTrigger:
        hour, minute = self.runtime.config.reports.monday_at.split(":")
        return CronTrigger(
            day_of_week="mon", hour=int(hour), minute=int(minute), timezone=CHINA_ZONE
        )
