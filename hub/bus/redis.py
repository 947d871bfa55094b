"""Wake-ups between hub processes over Redis pub/sub (``redis.asyncio``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub.bus.base import EventBus

log = logging.getLogger(__name__)
CHANNEL = "xietong-hub:changes"
RECONNECT_SECONDS = 1.0


class RedisBus(EventBus):
    """Publishes to one channel and listens on it in a background task that reconnects after
    an outage (wake-ups missed meanwhile are covered by the readers' fallback polling)."""

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self._redis: Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._redis = Redis.from_url(self.url)
        self._task = asyncio.create_task(self._receive(), name="redis-bus")
        # Publishing before the subscription is active would lose this process's first wake-ups
        # from others; wait briefly, but an unreachable Redis must not stop the hub from starting.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), 5)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()

    async def _broadcast(self) -> None:
        assert self._redis is not None, "use the bus as an async context manager"
        try:
            await self._redis.publish(self.channel, b"1")
        except RedisError as exc:  # the change is committed; readers will poll it up
            log.warning("could not publish a wake-up to %s: %r", self.url, exc)

    async def _receive(self) -> None:
        assert self._redis is not None
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._wake()
            except (RedisError, OSError) as exc:
                log.warning("Redis bus %s lost its subscription: %r; reconnecting", self.url, exc)
                self._subscribed.set()  # start() need not wait for an unreachable server
            # Whatever was published while disconnected is found by polling: wake once now.
            self._wake()
            await asyncio.sleep(RECONNECT_SECONDS)
