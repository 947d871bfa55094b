"""The lease that lets each connector sync once at a time across every hub process.

A row per connector names its holder and when the hold expires; every committed batch renews it.
A hold by a process of this host that no longer exists (killed mid-run) is taken over at once.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import tables
from hub.clock import utcnow
from hub.errors import SyncLockedError
from hub.store import Store


class Leases:
    def __init__(self, store: Store, duration: timedelta) -> None:
        self.store = store
        self.duration = duration
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def acquire(self, connector: str) -> None:
        """Hold ``connector``'s lease or raise ``SyncLockedError``."""
        leases = tables.sync_leases
        now = utcnow()
        statement = self.store.upsert(
            leases,
            {"connector": connector, "holder": self.holder, "expires_at": now + self.duration},
            ["connector"],
            where=(leases.c.expires_at < now) | (leases.c.holder == self.holder),
        ).returning(leases.c.holder)
        async with self.store.write() as conn:
            granted = (await conn.execute(statement)).scalar_one_or_none()
            if granted is None:
                granted = await self._take_over_dead_holder(conn, connector, now)
        if granted != self.holder:
            raise SyncLockedError(connector)

    async def _take_over_dead_holder(
        self, conn: AsyncConnection, connector: str, now: datetime
    ) -> str | None:
        """A lease held by a process of this host that no longer exists (killed mid-run) is
        taken over at once instead of waiting for it to expire."""
        leases = tables.sync_leases
        holder = (
            await conn.execute(select(leases.c.holder).where(leases.c.connector == connector))
        ).scalar_one_or_none()
        if holder is None or not _is_dead_local_holder(holder):
            return None
        await conn.execute(
            update(leases)
            .where(leases.c.connector == connector, leases.c.holder == holder)
            .values(holder=self.holder, expires_at=now + self.duration)
        )
        return self.holder

    async def renew(self, conn: AsyncConnection, connector: str, now: datetime) -> None:
        leases = tables.sync_leases
        await conn.execute(
            update(leases)
            .where(and_(leases.c.connector == connector, leases.c.holder == self.holder))
            .values(expires_at=now + self.duration)
        )

    async def release(self, connector: str) -> None:
        leases = tables.sync_leases
        async with self.store.write() as conn:
            await conn.execute(
                leases.delete().where(
                    leases.c.connector == connector, leases.c.holder == self.holder
                )
            )


def _is_dead_local_holder(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
