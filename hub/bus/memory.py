"""The in-process bus: the embedded default, for a single hub process."""

from __future__ import annotations

from hub.bus.base import EventBus


class MemoryBus(EventBus):
    """Wakes only listeners in this process (``publish`` already wakes them)."""

    async def _broadcast(self) -> None:
        return None
