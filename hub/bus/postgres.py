"""Wake-ups between hub processes over PostgreSQL LISTEN/NOTIFY (asyncpg): for deployments whose
store is PostgreSQL and that would rather not run Redis only for this."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from hub.bus.base import ServerBus

log = logging.getLogger(__name__)
CHANNEL = "xietong_hub_changes"


def _dsn(url: str) -> str:
    """asyncpg's DSN for a ``postgresql://`` URL (a SQLAlchemy driver suffix is dropped)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresBus(ServerBus):
    """Notifies one channel from a publishing connection and listens on it with another."""

    kind = "postgresql"
    # What a lost server, a refused connection or a closed one raise.
    connection_errors = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)

    def __init__(self, url: str, *, channel: str = CHANNEL) -> None:
        super().__init__()
        self.dsn = _dsn(url)
        self.channel = channel
        self._publisher: asyncpg.Connection | None = None
        self._publishing = asyncio.Lock()  # one statement at a time on the connection

    async def _disconnect(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()

    async def _broadcast(self) -> None:
        try:
            async with self._publishing:
                if self._publisher is None or self._publisher.is_closed():
                    self._publisher = await asyncpg.connect(self.dsn)
                await self._publisher.execute("SELECT pg_notify($1, '')", self.channel)
        except self.connection_errors as exc:  # the change is committed; readers will poll it up
            log.warning("could not notify %s: %r", self.channel, exc)
            self._publisher = None

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self.dsn)
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(self.channel, self._notified)
            self._listening.set()
            await lost.wait()
        finally:
            await connection.close()

    def _notified(self, *_notification: Any) -> None:
        self._wake()
