"""A job family with one job on a scheduler of its own: run once at start, then on its trigger,
at most one run at a time (missed runs coalesce); leaving the ``async with`` block stops the
scheduler and waits for a run in progress to unwind (``jobs.runs``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from jobs.runs import RunsInProgress


class PeriodicJob(ABC):
    job_id: ClassVar[str]

    def __init__(self, scheduler: AsyncIOScheduler | None) -> None:
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.runs = RunsInProgress()

    @abstractmethod
    def trigger(self) -> Any:
        """The APScheduler trigger of the runs after the first."""

    @abstractmethod
    async def run(self) -> object:
        """One run (inside ``self.runs.tracked()``)."""

    async def __aenter__(self) -> Self:
        self.scheduler.add_job(
            self.run,
            self.trigger(),
            id=self.job_id,
            name=self.job_id.replace("-", " "),
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
