"""The scheduled work of a serving or worker process, as job factories for
``hub.runtime.open_runtime``: the connectors' syncs, the supervision job unless
``[supervision] enabled = false``, the data-check job unless ``[checks] enabled = false``, the
signing of the change log's head when the hub has a key (``[authenticity] log_key``) and the
weekly report unless ``[reports] enabled = false``."""

from __future__ import annotations

from hub.config import HubConfig
from hub.runtime import JobFactory
from jobs.checks import ChecksJobs
from jobs.log_heads import LogHeadJobs
from jobs.reports import ReportJobs
from jobs.supervision import SupervisionJobs
from jobs.sync_jobs import SyncJobs


def scheduled_jobs(config: HubConfig) -> list[JobFactory]:
    factories: list[JobFactory] = [SyncJobs.for_runtime]
    if config.supervision.enabled:
        factories.append(SupervisionJobs.for_runtime)
    if config.authenticity.log_key:
        factories.append(LogHeadJobs.for_runtime)
    if config.checks.enabled:
        factories.append(ChecksJobs.for_runtime)
    if config.reports.enabled:
        factories.append(ReportJobs.for_runtime)
    return factories
