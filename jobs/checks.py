"""The data-check job (数据检查): every ``[checks] interval_minutes``, and once at start, a pass
of the enabled rules (``hub.checks.runner``), besides the pass after each sync. The stale-source
rule in particular needs it: a source that stopped syncing triggers no sync hook."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub.checks.runner import CheckReport, DataChecks
from hub.runtime import Runtime
from jobs.interval import IntervalJob


class ChecksJobs(IntervalJob):
    """The scheduled data checks of one store."""

    job_id = "checks"

    def __init__(
        self,
        checks: DataChecks,
        interval_minutes: float,
        *,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        super().__init__(interval_minutes, scheduler=scheduler)
        self.checks = checks

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> ChecksJobs:
        return cls(runtime.checks, runtime.config.checks.interval_minutes)

    async def run(self) -> CheckReport:
        """A pass as of the business day now."""
        with self.runs.tracked():
            return await self.checks.run()
