"""Registered webhooks: a department's URL, a change filter, a secret and delivery progress.

A webhook's URL must pass the target policy (``hub.webhooks.targets``) when it is registered;
its signing secret is stored encrypted with ``HUB_SECRET_KEY`` (``hub.secret_key``).
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from hub import tables
from hub.bus import EventBus
from hub.clock import utcnow
from hub.feed import ChangeFilter, FeedScope, head_seq
from hub.policy import SYSTEM, Policy, Viewer
from hub.secret_key import SecretKey, SecretKeyError, is_sealed
from hub.store import Store
from hub.webhooks.targets import TargetPolicy, TargetRefusedError

log = logging.getLogger(__name__)

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


def key_or_environment(key: SecretKey | None) -> SecretKey:
    """``key``, or else the key of ``HUB_SECRET_KEY`` (raising ``SecretKeyError`` without)."""
    return key if key is not None else SecretKey.from_environment()


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    name: str
    department: str | None
    url: str
    sealed_secret: str  # as stored: encrypted (``fernet:...``), or in clear from an older hub
    filter: ChangeFilter
    delivered_seq: int
    state: str
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    owner_role: str | None = None
    secret: str = ""  # in clear: only in what ``register`` returns (shown once)

    @classmethod
    def from_row(cls, row: Row[Any]) -> Webhook:
        m = row._mapping
        return cls(
            id=m["id"],
            name=m["name"],
            department=m["department_code"],
            url=m["url"],
            sealed_secret=m["secret"],
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

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        *,
        policy: TargetPolicy | None = None,
        key: SecretKey | None = None,
        roles: Policy | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.policy = policy or TargetPolicy()
        self.key = key  # None: HUB_SECRET_KEY's, read when a secret is sealed
        # The roles, by which a webhook reads as its owner does (hub.policy).
        self.roles = roles or Policy()

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
        if len(url) > 1000:
            raise WebhookError("webhook URL is longer than 1000 characters")
        try:
            await self.policy.check(url)
        except TargetRefusedError as exc:
            raise WebhookError(f"webhook URL {url!r}: {exc}") from None
        if after is not None and after < 0:
            raise WebhookError(f"start seq {after} must not be negative")
        secret = secret or new_secret()
        if len(secret) > 64:  # sealed, it must fit the secret column
            raise WebhookError("a webhook secret has at most 64 characters")
        sealed = key_or_environment(self.key).seal(secret)
        start = await head_seq(self.store) if after is None else after
        try:
            async with self.store.write() as conn:
                await conn.execute(
                    _w.insert().values(
                        name=name,
                        department_code=department,
                        owner_role=owner_role,
                        url=url,
                        secret=sealed,
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
        return dataclasses.replace(await self.get(name), secret=secret)

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

    async def rekey(self) -> int:
        """Encrypt every secret with the first key of ``HUB_SECRET_KEY`` (after a rotation, or
        for secrets stored in clear by an older hub); the number re-encrypted."""
        key = key_or_environment(self.key)
        return await self._reseal(key, lambda stored: not key.is_current(stored))

    async def seal_clear_secrets(self) -> int:
        """Encrypt the secrets an older hub stored in clear, when a key is set (a hub without
        one logs that they are still in clear); the number encrypted."""
        async with self.store.read() as conn:
            stored = (await conn.execute(select(_w.c.secret))).scalars().all()
        clear = sum(1 for s in stored if not is_sealed(s))
        if not clear:
            return 0
        try:
            key = key_or_environment(self.key)
        except SecretKeyError as exc:
            log.warning("%d webhook secrets are stored in clear: %s", clear, exc)
            return 0
        return await self._reseal(key, lambda stored: not is_sealed(stored))

    async def _reseal(self, key: SecretKey, stale: Callable[[str], bool]) -> int:
        async with self.store.write() as conn:
            rows = (await conn.execute(select(_w.c.id, _w.c.name, _w.c.secret))).all()
            chosen = [r for r in rows if stale(r.secret)]
            for row in chosen:
                sealed = key.reseal(row.secret, f"the secret of webhook {row.name!r}")
                await conn.execute(update(_w).where(_w.c.id == row.id).values(secret=sealed))
        return len(chosen)
