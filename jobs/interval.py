"""A job family that runs one coroutine every few minutes, and once at start, on its own
APScheduler; the supervision (督办) and data-check (数据检查) jobs are two."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Self

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs.runs import RunsInProgress


class IntervalJob(ABC):
    """Runs ``run`` every ``interval_minutes`` (one run at a time, missed runs coalesced)."""

    name: str

    def __init__(
        self, interval_minutes: float, *, scheduler: AsyncIOScheduler | None = None
    ) -> None:
        self.interval_minutes = interval_minutes
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.runs = RunsInProgress()

    @abstractmethod
    async def run(self) -> object:
        """One run of the job."""

    async def __aenter__(self) -> Self:
        self.scheduler.add_job(
            self.run,
            IntervalTrigger(minutes=self.interval_minutes, timezone=UTC),
            id=self.name,
            name=self.name,
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
