"""The supervision job (督办): every ``[supervision] interval_minutes``, and once at start, it
appends the time-limit transitions of the business day to the change log (``hub.sla_alerts``).
``SupervisionJobs.for_runtime`` is the job factory the app and ``hub worker`` pass to
``hub.runtime.open_runtime``.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub.changelog import ChangeLog
from hub.runtime import Runtime
from hub.sla import Supervision
from hub.sla_alerts import AlertReport, SlaAlerts
from jobs.interval import IntervalJob

log = logging.getLogger("hub.jobs")


class SupervisionJobs(IntervalJob):
    """The scheduled time-limit alerts of one store."""

    job_id = "supervision"

    def __init__(
        self,
        alerts: SlaAlerts,
        supervision: Supervision,
        interval_minutes: float,
        *,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        super().__init__(interval_minutes, scheduler=scheduler)
        self.alerts = alerts
        self.supervision = supervision
        self.last_report: AlertReport | None = None

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> SupervisionJobs:
        changelog = ChangeLog(runtime.store, runtime.bus.publish)
        alerts = SlaAlerts(changelog, runtime.supervision.clock)
        settings = runtime.config.supervision
        return cls(alerts, runtime.supervision, settings.interval_minutes)

    async def run(self) -> AlertReport:
        """Append the transitions as of the business day now."""
        with self.runs.tracked():
            report = await self.alerts.run(self.supervision.business_day())
        self.last_report = report
        if report.appended:
            log.info("supervision %s: %s", report.as_of, report.transitions)
        return report
