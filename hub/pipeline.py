"""Overlapping a source's reads with the work done on what it has already read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


async def read_ahead(source: AsyncIterator[T], depth: int = 1) -> AsyncIterator[T]:
    """Iterate ``source`` while it already fetches up to ``depth`` items ahead in a task.

    Memory stays bounded by ``depth``; an error in the source is raised where the consumer
    would have received the item; leaving early stops and closes the source."""
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=depth)

    async def fill() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except Exception as exc:  # handed to the consumer, in order
            await queue.put(exc)
            return
        await queue.put(_DONE)

    filler = asyncio.create_task(fill())
    try:
        while True:
            item = await queue.get()
            if item is _DONE:
                break
            if isinstance(item, Exception):
                raise item
            yield item  # type: ignore[misc]
    finally:
        filler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await filler
        closing = getattr(source, "aclose", None)
        if closing is not None:
            await closing()
