"""The event bus: a wake-up channel between the processes that share one store.

The bus carries no events, only "the change log has something new". The durable copy of every
event is the change log; readers that are woken read it from their last seq, so a lost or doubled
wake-up costs latency at most, never an event (the feed reader also polls on a slow timer).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType

Listener = Callable[[], None]


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
