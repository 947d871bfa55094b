"""Webhook delivery: every matching change, in seq order, at least once, signed per the
Standard Webhooks spec.

Each webhook has at most one delivery in flight, across all hub processes: a worker claims a
webhook by moving its ``next_attempt_at`` past now (a compare-and-set UPDATE, so two workers
never both win) and renews that lease with every delivered change. A failed attempt sets the
next one after an exponential backoff; after ``max_attempts`` the webhook is ``failing`` but is
still retried at the longest backoff, so a receiver that comes back gets everything it missed.
Progress (``delivered_seq``) only moves when a receiver answered 2xx.

Before every page of changes the target is checked again (``hub.webhooks.targets``) and the
requests go to the address that check resolved, so a name rebound to an internal address in
between reaches nothing. ``last_error`` says what failed in general terms ("connection failed",
"timeout ...", "HTTP 500", "target refused: ..."): never a receiver's body or a network error's
text, which would tell a caller what listens where.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import and_, or_, select, update
from standardwebhooks import Webhook as Signer

from hub import tables
from hub.bus import EventBus
from hub.clock import utcnow
from hub.config import WebhookConfig
from hub.feed import Change, head_seq, read_page
from hub.policy import Policy
from hub.secret_key import SecretKey, SecretKeyError
from hub.store import Store
from hub.webhooks.registry import ACTIVE, FAILING, Webhook, key_or_environment, owner_scope
from hub.webhooks.targets import Target, TargetPolicy, TargetRefusedError

log = logging.getLogger(__name__)
_w = tables.webhooks
_DELIVERABLE = _w.c.state.in_((ACTIVE, FAILING))
ERROR_TEXT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    timeout_seconds: float = 10.0
    max_attempts: int = 8
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 3600.0
    lease_seconds: float = 60.0
    poll_seconds: float = 5.0
    page_size: int = 100
    concurrency: int = 16

    @classmethod
    def from_config(cls, config: WebhookConfig) -> DeliverySettings:
        return cls(**config.model_dump(exclude={"allow_cidrs"}))

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.backoff_seconds * 2 ** min(attempts - 1, 30)
        return timedelta(seconds=min(seconds, self.max_backoff_seconds))


def message(change: Change, sent_at: datetime) -> tuple[str, str]:
    """The event's stable id (the same on every redelivery) and its JSON body."""
    body = {
        "type": f"change.{change.op}",
        "timestamp": sent_at.isoformat(timespec="seconds") + "Z",
        "data": change.to_json(),
    }
    return f"chg_{change.seq}", json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class DeliveryFailed(Exception):
    """Raised when a receiver did not accept an event (no 2xx answer in time)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem[:ERROR_TEXT_LIMIT]
        super().__init__(self.problem)


class WebhookWorker:
    """Delivers due webhooks whenever ``bus`` wakes it (and every ``poll_seconds``)."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        settings: DeliverySettings | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        policy: TargetPolicy | None = None,
        key: SecretKey | None = None,
        roles: Policy | None = None,
    ) -> None:
        self.store = store
        # The roles, by which a webhook reads as its owner does (hub.policy).
        self.roles = roles or Policy()
        self.bus = bus
        self.settings = settings or DeliverySettings()
        self.policy = policy or TargetPolicy()
        self.key = key  # None: HUB_SECRET_KEY's, read at each delivery
        self._client = client
        self._own_client = client is None
        self._woken = asyncio.Event()
        self._unlisten = bus.listen(self._woken.set)
        self._running: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._client is None:
            # No proxies from the environment: a proxy would resolve the host again itself.
            self._client = httpx.AsyncClient(
                timeout=self.settings.timeout_seconds, follow_redirects=False, trust_env=False
            )
        # The first look happens before start returns, so the app's first request never
        # races with it.
        self._task = asyncio.create_task(self._run(await self.tick()), name="webhook-worker")

    async def close(self) -> None:
        self._unlisten()
        tasks = [t for t in (self._task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._own_client and self._client is not None:
            await self._client.aclose()

    async def __aenter__(self) -> WebhookWorker:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _run(self, wait: float) -> None:
        while True:
            # Not wait_for: on Python 3.11 it swallows a cancel that lands as the wake-up does.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._woken.wait()
            self._woken.clear()
            wait = self.settings.poll_seconds
            try:
                wait = min(wait, await self.tick())
            except Exception:  # noqa: BLE001 - a store outage must not end delivery
                log.exception("webhook worker could not check for due webhooks; retrying")

    async def tick(self) -> float:
        """Claim every webhook that is due and behind the log, and start delivering to it;
        returns the seconds until the next retry that is waiting for its backoff."""
        now = utcnow()
        head = await head_seq(self.store)
        behind = select(_w).where(_DELIVERABLE, _w.c.delivered_seq < head)
        async with self.store.read() as conn:
            rows = (await conn.execute(behind)).all()
        later = [r.next_attempt_at for r in rows if r.next_attempt_at and r.next_attempt_at > now]
        for row in rows:
            if row.next_attempt_at and row.next_attempt_at > now:
                continue
            if row.id in self._running or not await self._claim(row.id, now):
                continue
            task = asyncio.create_task(self._deliver(Webhook.from_row(row)))
            self._running[row.id] = task
            task.add_done_callback(functools.partial(self._finished, row.id))
        return (min(later) - now).total_seconds() if later else self.settings.poll_seconds

    def _finished(self, webhook_id: int, _task: asyncio.Task[None]) -> None:
        self._running.pop(webhook_id, None)
        # Changes may have arrived while it delivered: look again at once.
        self._woken.set()

    async def _claim(self, webhook_id: int, now: datetime) -> bool:
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        async with self.store.write() as conn:
            result = await conn.execute(
                update(_w)
                .where(
                    _w.c.id == webhook_id,
                    _DELIVERABLE,
                    or_(_w.c.next_attempt_at.is_(None), _w.c.next_attempt_at <= now),
                )
                .values(next_attempt_at=lease)
            )
        return result.rowcount == 1

    async def _record(self, webhook: Webhook, delivered: int, **values: object) -> bool:
        """Move ``webhook`` on from ``delivered_seq`` as seen when claimed; False when someone
        changed it meanwhile (redelivered, paused, deleted), which ends this delivery."""
        async with self.store.write() as conn:
            result = await conn.execute(
                update(_w)
                .where(and_(_w.c.id == webhook.id, _w.c.delivered_seq == delivered, _DELIVERABLE))
                .values(**values)
            )
        return result.rowcount == 1

    async def _deliver(self, webhook: Webhook) -> None:
        async with self._slots:
            try:
                await self._deliver_pages(webhook)
            except Exception:  # noqa: BLE001 - the lease runs out and another try follows
                log.exception("delivery to webhook %r stopped", webhook.name)

    async def _deliver_pages(self, webhook: Webhook) -> None:
        delivered, attempts = webhook.delivered_seq, webhook.attempts
        # What its owner may see now: a changed role or catalogue applies at once.
        scope = await owner_scope(self.roles, self.store, webhook)
        while True:
            page = await read_page(self.store, scope, delivered, self.settings.page_size)
            prepared: tuple[Target, str] | None = None
            for change in page.changes:
                try:
                    prepared = prepared or await self._prepare(webhook)
                    await self._send(prepared, change)
                except DeliveryFailed as exc:
                    await self._failed(webhook, delivered, attempts + 1, exc.problem)
                    return
                now = utcnow()
                lease = now + timedelta(seconds=self.settings.lease_seconds)
                if not await self._record(
                    webhook,
                    delivered,
                    delivered_seq=change.seq,
                    state=ACTIVE,
                    attempts=0,
                    last_attempt_at=now,
                    next_attempt_at=lease,
                ):
                    return
                delivered, attempts = change.seq, 0
            if page.end > delivered:
                if not await self._record(webhook, delivered, delivered_seq=page.end):
                    return
                delivered = page.end
            if not page.has_more:
                await self._record(webhook, delivered, next_attempt_at=None)
                return

    async def _failed(self, webhook: Webhook, delivered: int, attempts: int, error: str) -> None:
        now = utcnow()
        log.warning("webhook %r: attempt %d failed: %s", webhook.name, attempts, error)
        await self._record(
            webhook,
            delivered,
            attempts=attempts,
            state=FAILING if attempts >= self.settings.max_attempts else ACTIVE,
            last_error=error,
            last_attempt_at=now,
            next_attempt_at=now + self.settings.backoff(attempts),
        )

    async def _prepare(self, webhook: Webhook) -> tuple[Target, str]:
        """The webhook's target, checked (and resolved) now, and its secret in clear."""
        try:
            target = await self.policy.check(webhook.url)
            secret = key_or_environment(self.key).open(
                webhook.sealed_secret, f"the secret of webhook {webhook.name!r}"
            )
        except (TargetRefusedError, SecretKeyError) as exc:
            raise DeliveryFailed(str(exc)) from None
        return target, secret

    async def _send(self, prepared: tuple[Target, str], change: Change) -> None:
        assert self._client is not None, "start the worker first"
        target, secret = prepared
        sent_at = utcnow()
        event_id, body = message(change, sent_at)
        headers = {
            "content-type": "application/json",
            "user-agent": "xietong-hub-webhooks/1",
            "webhook-id": event_id,
            "webhook-timestamp": str(int(sent_at.replace(tzinfo=UTC).timestamp())),
            "webhook-signature": Signer(secret).sign(event_id, sent_at, body),
        }
        options = target.request_options()
        try:
            response = await self._client.post(
                target.pinned,
                content=body.encode(),
                headers=headers | options["headers"],
                extensions=options["extensions"],
            )
        except httpx.TimeoutException:
            raise DeliveryFailed(
                f"timeout: no answer within {self.settings.timeout_seconds:g} s"
            ) from None
        except httpx.HTTPError as exc:
            # One message for refused, reset, unreachable and TLS failures alike.
            log.info("webhook to %s: %s: %s", target.url, type(exc).__name__, exc)
            raise DeliveryFailed("connection failed") from None
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}")
