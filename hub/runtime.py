"""One process's running hub: the store (migrated), the event bus, the change feed's reader,
webhook delivery, the sync engine (a data-check pass after each run) and the scheduled work,
opened once by ``open_runtime`` for the app's lifespan, ``hub worker`` and whatever else runs
the hub, and closed in reverse order.

The store, bus, feed reader, webhook worker and engine are the core's own, so the runtime is in
the core and opens them itself. Scheduled work is built from connectors and lives in ``jobs``,
which the core may not import, so the composition root (``hub.http``, ``hub.cli``) injects it:
``jobs`` are factories, each called with the opened runtime and entered as an async context
manager until the runtime closes (``jobs.sync_jobs.SyncJobs.for_runtime`` is one); components
get their dependencies handed to them, as APScheduler's do. The other choice, a runtime in the
composition root, would have to be shared by ``hub.http`` and ``hub.cli``, would put the
lifetime of the core's parts outside the core, and would be edited for every new kind of job,
which here is passed in instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from hub import divisions
from hub.audit import AuditLog
from hub.bus import EventBus, create_bus
from hub.calendar import WorkingCalendar
from hub.changelog import ChangeLog
from hub.checks.runner import DataChecks, PassesAfterSync
from hub.config import HubConfig
from hub.feed_reader import FeedReader
from hub.policy import Policy
from hub.sla import Supervision
from hub.store import Store
from hub.sync import SyncEngine
from hub.webhooks import DeliverySettings, Webhooks, WebhookWorker
from hub.webhooks.targets import TargetPolicy

JobFactory = Callable[["Runtime"], AbstractAsyncContextManager[object]]


@dataclass(slots=True)
class Runtime:
    """What ``open_runtime`` opened; ``jobs`` holds what each job factory's block gave."""

    config: HubConfig
    store: Store
    bus: EventBus
    engine: SyncEngine
    webhooks: Webhooks
    feed: FeedReader | None
    supervision: Supervision
    policy: Policy
    audit: AuditLog
    checks: DataChecks
    jobs: list[object] = field(default_factory=list)


def open_store(config: HubConfig) -> Store:
    """The store the config names (not yet migrated)."""
    return Store(config.resolve_url(config.store.url), echo=config.store.echo)


async def migrate_store(store: Store, config: HubConfig) -> None:
    """Migrate ``store`` and install the config's working-day calendar (``[calendar]``) and
    administrative divisions (``[[divisions]]``)."""
    await store.migrate(calendar=WorkingCalendar.configured(config.calendar))
    await divisions.install(store, config.divisions)


@asynccontextmanager
async def open_runtime(
    config: HubConfig,
    store: Store | None = None,
    *,
    serve_feed: bool,
    jobs: Sequence[JobFactory] = (),
) -> AsyncIterator[Runtime]:
    """Open the hub for the block. A passed-in ``store`` is migrated but not disposed;
    ``serve_feed`` reads the change log for this process's subscriptions (a server's, not a
    worker's); every commit of the engine wakes the bus."""
    async with AsyncExitStack() as stack:
        if store is None:
            store = open_store(config)
            stack.push_async_callback(store.dispose)
        await migrate_store(store, config)
        bus = await stack.enter_async_context(create_bus(config.bus.url))
        feed = None
        if serve_feed:
            feed = await stack.enter_async_context(
                FeedReader(
                    store,
                    bus,
                    poll_seconds=config.bus.poll_seconds,
                    queue_size=config.bus.queue_size,
                )
            )
        roles = Policy(config)
        audit = await stack.enter_async_context(AuditLog(store))
        targets = TargetPolicy.allowing(config.webhooks.allow_cidrs)
        webhooks = Webhooks(store, bus, policy=targets, roles=roles)
        await webhooks.seal_clear_secrets()
        await stack.enter_async_context(
            WebhookWorker(
                store,
                bus,
                DeliverySettings.from_config(config.webhooks),
                policy=targets,
                roles=roles,
            )
        )
        supervision = Supervision.configured(store, config)
        checks = DataChecks(
            ChangeLog(store, bus.publish), config, business_day=supervision.business_day
        )
        after_run = None
        if config.checks.enabled and config.checks.run_after_sync:
            # In the background: a sync returns (and reports) once its data is committed.
            after_run = (await stack.enter_async_context(PassesAfterSync(checks))).request
        runtime = Runtime(
            config=config,
            store=store,
            bus=bus,
            engine=SyncEngine(store, config, on_commit=bus.publish, after_run=after_run),
            webhooks=webhooks,
            feed=feed,
            supervision=supervision,
            checks=checks,
            policy=roles,
            audit=audit,
        )
        for job in jobs:
            runtime.jobs.append(await stack.enter_async_context(job(runtime)))
        yield runtime
