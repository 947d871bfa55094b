"""Event buses by URL scheme: ``memory://`` (in-process), ``redis://`` / ``rediss://`` and
``postgresql://`` (LISTEN/NOTIFY), ``local:///folder`` (the processes of one host, e.g. the
workers of ``hub serve --workers N``)."""

from __future__ import annotations

from hub.bus.base import EventBus, Listener
from hub.errors import UnknownNameError

SCHEMES = ("memory", "redis", "rediss", "postgresql", "postgres", "local")


def create_bus(url: str) -> EventBus:
    """The bus for ``url``; an unknown scheme is an error listing the known ones."""
    scheme = url.partition("://")[0]
    if scheme == "memory":
        from hub.bus.memory import MemoryBus

        return MemoryBus()
    if scheme in {"redis", "rediss"}:
        from hub.bus.redis import RedisBus

        return RedisBus(url)
    if scheme in {"postgresql", "postgres"}:
        from hub.bus.postgres import PostgresBus

        return PostgresBus(url)
    if scheme == "local":
        from hub.bus.local import LocalBus

        return LocalBus(url)
    raise UnknownNameError("event bus scheme", scheme, SCHEMES)


__all__ = ["SCHEMES", "EventBus", "Listener", "create_bus"]
