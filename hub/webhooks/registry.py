"""Registered webhooks: a department's URL, a change filter, a secret and delivery progress."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from hub import tables
from hub.bus import EventBus
from hub.clock import utcnow
from hub.feed import ChangeFilter, FeedScope, head_seq
from hub.policy import SYSTEM, Policy, Viewer
from hub.store import Store

_w = tables.webhooks
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
ACTIVE, FAILING, PAUSED = "active", "failing", "paused"
SECRET_PREFIX = "whsec_"


class WebhookError(ValueError):
    """Raised when a webhook cannot be registered as asked: a bad name, URL or start seq."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class WebhookNotFoundError(LookupError):
    """Raised when no webhook has the given name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no webhook named {name!r} (list them with `hub webhook list`)")


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookError(f"webhook URL {url!r} must be an absolute http:// or https:// URL")
    return url


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    name: str
    department: str | None
    url: str
    secret: str
    filter: ChangeFilter
    delivered_seq: int
    state: str
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    owner_role: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Webhook:
        m = row._mapping
        return cls(
            id=m["id"],
            name=m["name"],
            department=m["department_code"],
            url=m["url"],
            secret=m["secret"],
            filter=ChangeFilter.from_json(m["filter"]),
            delivered_seq=m["delivered_seq"],
            state=m["state"],
            attempts=m["attempts"],
            last_error=m["last_error"],
            last_attempt_at=m["last_attempt_at"],
            next_attempt_at=m["next_attempt_at"],
            created_at=m["created_at"],
            owner_role=m["owner_role"],
        )


async def owner_viewer(policy: Policy, store: Store, webhook: Webhook) -> Viewer:
    """Whose view a webhook's deliveries get: its owner role (a department's role for its
    department); one made by ``hub webhook add`` without a department is the hub admin's."""
    role = webhook.owner_role or ("department" if webhook.department else None)
    if role is None:
        return SYSTEM
    return await policy.viewer(store, role, department=webhook.department)


async def owner_scope(policy: Policy, store: Store, webhook: Webhook) -> FeedScope:
    """What a webhook receives: its filter, intersected with what its owner may see."""
    return FeedScope(webhook.filter, await owner_viewer(policy, store, webhook))


class Webhooks:
    """Registers and manages webhooks; changes that need delivery wake the workers via ``bus``."""

    def __init__(self, store: Store, bus: EventBus, policy: Policy | None = None) -> None:
        self.store = store
        self.bus = bus
        self.policy = policy or Policy()

    async def register(
        self,
        name: str,
        url: str,
        change_filter: ChangeFilter,
        *,
        department: str | None = None,
        after: int | None = None,
        secret: str | None = None,
        owner_role: str | None = None,
    ) -> Webhook:
        """A new active webhook that receives changes after seq ``after`` (default: only
        changes from now on)."""
        if not _NAME.match(name):
            raise WebhookError(
                f"webhook name {name!r} must be 1-100 characters: lower-case letters, digits, "
                "'_', '.', '-', starting with a letter or digit"
            )
        check_url(url)
        if after is not None and after < 0:
            raise WebhookError(f"start seq {after} must not be negative")
        start = await head_seq(self.store) if after is None else after
        try:
            async with self.store.write() as conn:
                await conn.execute(
                    _w.insert().values(
                        name=name,
                        department_code=department,
                        owner_role=owner_role,
                        url=url,
                        secret=secret or new_secret(),
                        filter=change_filter.to_json(),
                        delivered_seq=start,
                        state=ACTIVE,
                        attempts=0,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            raise WebhookError(f"a webhook named {name!r} already exists") from None
        await self.bus.publish()
        return await self.get(name)

    async def list(self) -> list[Webhook]:
        async with self.store.read() as conn:
            rows = (await conn.execute(select(_w).order_by(_w.c.name))).all()
        return [Webhook.from_row(row) for row in rows]

    async def get(self, name: str) -> Webhook:
        async with self.store.read() as conn:
            row = (await conn.execute(select(_w).where(_w.c.name == name))).first()
        if row is None:
            raise WebhookNotFoundError(name)
        return Webhook.from_row(row)

    async def _update(self, name: str, **values: Any) -> Webhook:
        async with self.store.write() as conn:
            result = await conn.execute(update(_w).where(_w.c.name == name).values(**values))
        if result.rowcount == 0:
            raise WebhookNotFoundError(name)
        await self.bus.publish()
        return await self.get(name)

    async def redeliver(self, name: str, from_seq: int) -> Webhook:
        """Deliver again every matching change from seq ``from_seq`` on, in order, now."""
        if from_seq < 1:
            raise WebhookError(f"redelivery starts at seq 1 or later, not {from_seq}")
        webhook = await self.get(name)
        return await self._update(
            name,
            delivered_seq=from_seq - 1,
            state=PAUSED if webhook.state == PAUSED else ACTIVE,
            attempts=0,
            next_attempt_at=None,
        )

    async def pause(self, name: str) -> Webhook:
        return await self._update(name, state=PAUSED)

    async def resume(self, name: str) -> Webhook:
        """Active again, with its next attempt now (a failing webhook's backoff is reset)."""
        return await self._update(name, state=ACTIVE, attempts=0, next_attempt_at=None)

    async def delete(self, name: str) -> None:
        async with self.store.write() as conn:
            result = await conn.execute(delete(_w).where(_w.c.name == name))
        if result.rowcount == 0:
            raise WebhookNotFoundError(name)
