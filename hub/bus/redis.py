"""Wake-ups between hub processes over Redis pub/sub (``redis.asyncio``)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub.bus.base import ServerBus

log = logging.getLogger(__name__)
CHANNEL = "xietong-hub:changes"


class RedisBus(ServerBus):
    """Publishes to one channel and listens on it."""

    kind = "redis"
    connection_errors = (RedisError, OSError)

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self._redis = Redis.from_url(url)

    async def _disconnect(self) -> None:
        await self._redis.aclose()

    async def _broadcast(self) -> None:
        try:
            await self._redis.publish(self.channel, b"1")
        except RedisError as exc:  # the change is committed; readers will poll it up
            log.warning("could not publish a wake-up to %s: %r", self.url, exc)

    async def _listen(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self.channel)
            self._listening.set()
            async for message in pubsub.listen():
                if message["type"] == "message":
                    self._wake()
