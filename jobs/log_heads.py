"""The log-head job: every ``[authenticity] head_interval_minutes``, and once at start, the
hub signs the change log's head with its key (hub.log_chain.sign_head). Only with a
``log_key``; ``LogHeadJobs.for_runtime`` is the job factory for ``hub.runtime.open_runtime``."""

from __future__ import annotations

import logging

from hub.clock import utcnow
from hub.log_chain import sign_head
from hub.runtime import Runtime
from hub.store import Store
from jobs.interval import IntervalJob

log = logging.getLogger("hub.jobs")


class LogHeadJobs(IntervalJob):
    job_id = "log-head"

    def __init__(self, store: Store, key: str, interval_minutes: float) -> None:
        super().__init__(interval_minutes)
        self.store = store
        self.key = key

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> LogHeadJobs:
        settings = runtime.config.authenticity
        assert settings.log_key is not None, "scheduled_jobs adds the job only with a key"
        return cls(runtime.store, settings.log_key, settings.head_interval_minutes)

    async def run(self) -> int | None:
        with self.runs.tracked():
            seq = await sign_head(self.store, self.key, utcnow())
        log.info("signed the change log's head at seq %s", seq)
        return seq
