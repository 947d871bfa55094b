"""The shared feed reader: one per process, it reads new changes from the log once per wake-up
and fans them out to every live subscriber of this process.

A subscriber first replays from its ``after`` seq straight from the log, then takes changes from
its own bounded queue. Registration snapshots the reader's position under the reader's lock, so
every change past that position reaches the queue, and every change up to it is committed and
found by the replay; duplicates are dropped by seq. A subscriber whose queue overflows (it reads
more slowly than changes arrive) loses its queue and catches up from the log again, so it never
holds more than ``queue_size`` changes in memory and never slows the reader or other subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, select

from hub import tables
from hub.bus import EventBus
from hub.feed import Change, FeedScope, head_seq, read_page, select_changes
from hub.store import Store

log = logging.getLogger(__name__)


class _Subscriber:
    __slots__ = ("overflowed", "position", "queue", "ready", "scope", "size")

    def __init__(self, scope: FeedScope, size: int) -> None:
        self.scope = scope
        self.size = size
        self.queue: deque[Change] = deque()
        self.ready = asyncio.Event()
        self.overflowed = False
        self.position = 0

    def offer(self, change: Change) -> None:
        """Queue ``change``, which the subscriber's scope lets through."""
        if self.overflowed:
            return
        if len(self.queue) >= self.size:
            # Drop the backlog: the log holds it, and the subscriber re-reads it from there.
            self.overflowed = True
            self.queue.clear()
        else:
            self.queue.append(change)
        self.ready.set()


class FeedReader:
    """Reads the change log after each wake-up of ``bus`` (and every ``poll_seconds``, so a
    lost wake-up only delays) and feeds the subscriptions made with ``subscribe``."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        *,
        poll_seconds: float = 2.0,
        page_size: int = 500,
        queue_size: int = 1000,
    ) -> None:
        self.store = store
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.page_size = page_size
        self.queue_size = queue_size
        self.position = 0
        self._stale = True  # position is refreshed before the first subscriber registers
        self._subscribers: set[_Subscriber] = set()
        self._lock = asyncio.Lock()
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unlisten = bus.listen(self._woken.set)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="feed-reader")

    async def close(self) -> None:
        self._unlisten()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def __aenter__(self) -> FeedReader:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _run(self) -> None:
        while True:
            # Not wait_for: on Python 3.11 it swallows a cancel that lands as the wake-up does.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._woken.wait()
            self._woken.clear()
            try:
                await self._read()
            except Exception:  # noqa: BLE001 - a store outage must not end the feed
                log.exception("feed reader could not read the change log; retrying")

    async def _read(self) -> None:
        async with self._lock:
            if not self._subscribers:
                # Nobody listens: skip the query (idle instances stay off the store).
                self._stale = True
                return
            while True:
                async with self.store.read() as conn:
                    rows = (await conn.execute(select_changes(self.position, self.page_size))).all()
                # Subscribers mostly share a few scopes (a department portal's clients send the
                # same filter): each change is matched once per scope, not once per subscriber.
                by_scope: dict[FeedScope, list[_Subscriber]] = {}
                for subscriber in self._subscribers:
                    by_scope.setdefault(subscriber.scope, []).append(subscriber)
                # A scope that reads the catalogue asks the store which of these it lets through.
                in_store = {
                    scope: await self._matched(scope, rows)
                    for scope in by_scope
                    if scope.resolved_in_store and rows
                }
                for row in rows:
                    change = Change.from_row(row)
                    for scope, subscribers in by_scope.items():
                        matched = in_store.get(scope)
                        if (matched is None or change.seq in matched) and scope.matches(change):
                            for subscriber in subscribers:
                                subscriber.offer(change)
                    self.position = change.seq
                if len(rows) < self.page_size:
                    return

    async def _matched(self, scope: FeedScope, rows: Sequence[Row[Any]]) -> set[int]:
        """The seqs of ``rows`` (read in seq order) that ``scope.where()`` lets through."""
        first, last = rows[0].seq, rows[-1].seq
        c = tables.changes
        query = select(c.c.seq).where(c.c.seq >= first, c.c.seq <= last, scope.where())
        async with self.store.read() as conn:
            return set((await conn.execute(query)).scalars())

    async def _register(self, subscriber: _Subscriber) -> None:
        async with self._lock:
            if self._stale:
                self.position = await head_seq(self.store)
                self._stale = False
            subscriber.position = self.position
            self._subscribers.add(subscriber)

    async def subscribe(self, scope: FeedScope, after: int | None = None) -> AsyncIterator[Change]:
        """Changes that ``scope`` lets through, in seq order, each once: those after seq
        ``after`` from the log first (none when ``after`` is None), then live ones."""
        subscriber = _Subscriber(scope, self.queue_size)
        await self._register(subscriber)
        try:
            last = subscriber.position if after is None else after
            replay = after is not None
            while True:
                if replay:
                    subscriber.overflowed = False
                    subscriber.queue.clear()
                    while True:
                        page = await read_page(self.store, scope, last, self.page_size)
                        for change in page.changes:
                            yield change
                            last = change.seq
                        if not page.has_more:
                            break
                    replay = False
                while subscriber.queue:
                    change = subscriber.queue.popleft()
                    if change.seq > last:
                        yield scope.shape(change)
                        last = change.seq
                if subscriber.overflowed:
                    replay = True
                    continue
                subscriber.ready.clear()
                await subscriber.ready.wait()
        finally:
            self._subscribers.discard(subscriber)
