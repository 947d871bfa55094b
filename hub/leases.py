"""The lease that lets each connector sync once at a time across every hub process.

A row per connector names its holder and when the hold expires; every committed batch renews it.
A hold by a process of this host that no longer exists (killed mid-run) is taken over at once.
The row also says since when the hold is held, so that a refused run can say who holds it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import tables
from hub.clock import utcnow
from hub.errors import SyncLockedError
from hub.store import Store

# How often a waiting acquire asks again: a released lease is taken within this.
POLL_SECONDS = 0.5


class Leases:
    """``wait``: how many seconds ``acquire`` waits for another holder's lease before it gives
    up (0: not at all)."""

    def __init__(self, store: Store, duration: timedelta, *, wait: float = 0) -> None:
        self.store = store
        self.duration = duration
        self.wait = wait
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def acquire(self, connector: str) -> None:
        """Hold ``connector``'s lease, waiting up to ``wait`` seconds for another holder to
        release it (or for its lease to expire); else raise ``SyncLockedError``."""
        deadline = time.monotonic() + self.wait
        while not await self._try_acquire(connector):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise await self._locked(connector)
            await asyncio.sleep(min(POLL_SECONDS, remaining))

    async def _try_acquire(self, connector: str) -> bool:
        leases = tables.sync_leases
        now = utcnow()
        values = {
            "connector": connector,
            "holder": self.holder,
            "acquired_at": now,
            "expires_at": now + self.duration,
        }
        statement = self.store.upsert(
            leases,
            values,
            ["connector"],
            where=(leases.c.expires_at < now) | (leases.c.holder == self.holder),
        ).returning(leases.c.holder)
        async with self.store.write() as conn:
            granted: str | None = (await conn.execute(statement)).scalar_one_or_none()
            if granted is None:
                granted = await self._take_over_dead_holder(conn, connector, now)
        return granted == self.holder

    async def _locked(self, connector: str) -> SyncLockedError:
        """The error that says who holds ``connector``'s lease, and since when."""
        leases = tables.sync_leases
        async with self.store.read() as conn:
            row = (
                await conn.execute(
                    select(leases.c.holder, leases.c.acquired_at, leases.c.expires_at).where(
                        leases.c.connector == connector
                    )
                )
            ).one_or_none()
        if row is None:  # released between our attempt and this look
            return SyncLockedError(connector)
        holder, since, until = row
        return SyncLockedError(
            connector, describe_holder(holder), _utc_text(since), _utc_text(until)
        )

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
            .values(holder=self.holder, acquired_at=now, expires_at=now + self.duration)
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


def describe_holder(holder: str) -> str:
    """``host:pid:instance`` as words: ``host web1, pid 4242, instance 9f2c01ab``."""
    host, _, rest = holder.partition(":")
    pid, _, instance = rest.partition(":")
    if not pid:
        return holder
    return f"host {host}, pid {pid}, instance {instance}" if instance else f"host {host}, pid {pid}"


def _utc_text(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S} UTC"


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
