"""The event bus: a wake-up channel between the processes that share one store.

The bus carries no events, only "the change log has something new". The durable copy of every
event is the change log; readers that are woken read it from their last seq, so a lost or doubled
wake-up costs latency at most, never an event (the feed reader also polls on a slow timer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import ClassVar

log = logging.getLogger(__name__)
Listener = Callable[[], None]
RECONNECT_SECONDS = 1.0
# How long start() waits for the listener: an unreachable server must not stop the hub from
# starting, but publishing before the listener is up would lose this process's first wake-ups.
START_WAIT_SECONDS = 5.0


class EventBus(ABC):
    """Publishes and receives wake-ups. Use it as an async context manager: connections are
    opened on entry and closed on exit. Listeners are plain callables run in the event loop;
    they must not block (set an ``asyncio.Event``)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every wake-up, from this process or another; returns a function
        that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _wake(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def publish(self) -> None:
        """Tell every process (this one included) that the change log has grown."""
        # Local listeners are woken directly: this process need not wait for the round trip.
        self._wake()
        await self._broadcast()

    @abstractmethod
    async def _broadcast(self) -> None:
        """Tell the other processes."""

    async def start(self) -> None:  # noqa: B027 - a backend without connections needs nothing
        """Open the backend's connections."""

    async def close(self) -> None:  # noqa: B027 - a backend without connections needs nothing
        """Close the backend's connections."""

    async def __aenter__(self) -> EventBus:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class ServerBus(EventBus):
    """A bus through a server (Redis, PostgreSQL): wake-ups from other processes arrive on a
    connection that a background task keeps listening on, reconnecting after an outage. After
    each outage it wakes the listeners once, since what was published meanwhile is in the log
    (the readers' fallback polling covers a silent loss)."""

    kind: ClassVar[str]
    connection_errors: ClassVar[tuple[type[BaseException], ...]]

    def __init__(self) -> None:
        super().__init__()
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._receive(), name=f"{self.kind}-bus")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), START_WAIT_SECONDS)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._disconnect()

    async def _receive(self) -> None:
        while True:
            try:
                await self._listen()
            except self.connection_errors as exc:
                log.warning("%s bus lost its listener: %r; reconnecting", self.kind, exc)
                self._listening.set()  # start() need not wait for an unreachable server
            self._wake()
            await asyncio.sleep(RECONNECT_SECONDS)

    @abstractmethod
    async def _listen(self) -> None:
        """Listen on one connection, set ``_listening`` once it does and wake the listeners on
        every message; return or raise one of ``connection_errors`` when the connection is
        lost."""

    @abstractmethod
    async def _disconnect(self) -> None:
        """Close the connections other than the listener's."""
