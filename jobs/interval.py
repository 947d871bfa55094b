"""A periodic job that runs every few minutes (and once at start): the supervision (督办),
data-check (数据检查) and signed-log-head jobs are three."""

from __future__ import annotations

from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs.periodic import PeriodicJob


class IntervalJob(PeriodicJob):
    """Runs ``run`` every ``interval_minutes`` (one run at a time, missed runs coalesced)."""

    def __init__(
        self, interval_minutes: float, *, scheduler: AsyncIOScheduler | None = None
    ) -> None:
        super().__init__(scheduler)
        self.interval_minutes = interval_minutes

    def trigger(self) -> IntervalTrigger:
        return IntervalTrigger(minutes=self.interval_minutes, timezone=UTC)
