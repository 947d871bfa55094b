"""One process's running hub: the store (migrated), the event bus, the change feed's reader,
webhook delivery, the sync engine and the scheduled work, opened once by ``open_runtime`` for
the app's lifespan, ``hub worker`` and whatever else runs the hub, and closed in reverse order.

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

from hub.audit import AuditLog
from hub.bus import EventBus, create_bus
from hub.calendar import WorkingCalendar
from hub.config import HubConfig
from hub.feed_reader import FeedReader
from hub.policy import Policy
from hub.sla import Supervision
from hub.store import Store
from hub.sync import SyncEngine
from hub.webhooks import DeliverySettings, Webhooks, WebhookWorker

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
    jobs: list[object] = field(default_factory=list)


def open_store(config: HubConfig) -> Store:
    """The store the config names (not yet migrated)."""
    return Store(config.resolve_url(config.store.url), echo=config.store.echo)


async def migrate_store(store: Store, config: HubConfig) -> None:
    """Migrate ``store`` and install the config's working-day calendar (``[calendar]``)."""
    await store.migrate(calendar=WorkingCalendar.configured(config.calendar))


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
        policy = Policy(config)
        audit = await stack.enter_async_context(AuditLog(store))
        await stack.enter_async_context(
            WebhookWorker(store, bus, DeliverySettings.from_config(config.webhooks), policy=policy)
        )
        runtime = Runtime(
            config=config,
            store=store,
            bus=bus,
            engine=SyncEngine(store, config, on_commit=bus.publish),
            webhooks=Webhooks(store, bus, policy),
            feed=feed,
            supervision=Supervision.configured(store, config),
            policy=policy,
            audit=audit,
        )
        for job in jobs:
            runtime.jobs.append(await stack.enter_async_context(job(runtime)))
        yield runtime
