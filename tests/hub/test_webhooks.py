"""Webhook delivery to real HTTP receivers on 127.0.0.1: in seq order, at least once, signed
(Standard Webhooks), retried with backoff, failing after N attempts, redelivered on request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest
from standardwebhooks import Webhook as Verifier

from hub.bus.memory import MemoryBus
from hub.feed import ChangeFilter, FeedScope, read_page
from hub.policy import Policy
from hub.store import Store
from hub.webhooks import (
    ACTIVE,
    FAILING,
    DeliverySettings,
    Webhook,
    WebhookError,
    WebhookNotFoundError,
    Webhooks,
    WebhookWorker,
    owner_scope,
)
from hub.webhooks.targets import TargetPolicy
from tests.feed_support import Department, Receiver, free_port, live_server, logged

pytestmark = pytest.mark.anyio
FAST = DeliverySettings(
    timeout_seconds=0.5,
    max_attempts=3,
    backoff_seconds=0.05,
    max_backoff_seconds=0.2,
    lease_seconds=5,
    poll_seconds=0.2,
)
PROJECTS = ChangeFilter.build(entities=["project"])
# The receivers listen on loopback, which the default target policy refuses: allowed here.
LOCAL = TargetPolicy.allowing(["127.0.0.0/8"])


@pytest.fixture
async def fgw(tmp_path: Path) -> Department:
    return await Department(tmp_path, "fgw", 1, 12).create()


@asynccontextmanager
async def hub_side(store: Store, workers: int = 1) -> AsyncIterator[tuple[Webhooks, MemoryBus]]:
    """The registry and ``workers`` delivery workers (as if in as many hub processes)."""
    bus = MemoryBus()
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(bus)
        for _ in range(workers):
            await stack.enter_async_context(WebhookWorker(store, bus, FAST, policy=LOCAL))
        yield Webhooks(store, bus, policy=LOCAL), bus


@asynccontextmanager
async def receiving(port: int = 0) -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with live_server(receiver.app, port) as address:
        yield receiver, f"http://{address}/hook"


async def expected_seqs(store: Store, hook: Webhook, after: int = 0) -> list[int]:
    scope = await owner_scope(Policy(), store, hook)
    return [c.seq for c in (await read_page(store, scope, after, 10_000)).changes]


async def until(store: Store, name: str, predicate: object, timeout: float = 20) -> Webhook:
    registry = Webhooks(store, MemoryBus())
    async with asyncio.timeout(timeout):
        while True:
            hook = await registry.get(name)
            if predicate(hook):  # type: ignore[operator]
                return hook
            await asyncio.sleep(0.05)


async def test_every_matching_change_arrives_in_order_signed_with_a_stable_id(
    store: Store, fgw: Department
) -> None:
    async with receiving() as (receiver, url), hub_side(store) as (hooks, bus):
        hook = await hooks.register("ghj-projects", url, PROJECTS, department="GHJ", after=0)
        await fgw.sync(store, bus.publish)
        events = await receiver.wait_for(12)
        seqs = await expected_seqs(store, hook)
        assert [e["data"]["seq"] for e in events] == seqs and len(seqs) == 12
        verifier = Verifier(hook.secret)
        for (headers, body), seq in zip(receiver.requests, seqs, strict=True):
            assert verifier.verify(body, headers)["data"]["seq"] == seq
            assert headers["webhook-id"] == f"chg_{seq}"
        first = events[0]
        assert first["type"] == "change.created"
        assert first["data"]["entity"] == "project"
        assert first["data"]["source"]["connector"] == "fgw"
        assert first["data"]["newValue"]["name"] == "福田区第1小学改扩建工程"
        # Up to the log's head: the filings after the last project do not match (they may be
        # committed, and so passed over, after the last project is delivered).
        head = (await logged(store))[-1]
        done = await until(
            store, hook.name, lambda h: h.next_attempt_at is None and h.delivered_seq == head
        )
        assert (done.state, done.attempts) == (ACTIVE, 0)

        # Redelivery from a seq sends the same events again, with the same ids, in order.
        await hooks.redeliver(hook.name, seqs[8])
        again = await receiver.wait_for(16)
        assert [e["data"]["seq"] for e in again[12:]] == seqs[8:]
        assert [h["webhook-id"] for h, _ in receiver.requests[12:]] == [
            f"chg_{s}" for s in seqs[8:]
        ]
    with pytest.raises(Exception, match="signature"):
        Verifier("whsec_" + "A" * 32).verify(receiver.requests[0][1], receiver.requests[0][0])


async def test_a_receiver_down_for_a_long_while_gets_everything_in_order_when_back(
    store: Store, fgw: Department
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    async with hub_side(store) as (hooks, bus):
        hook = await hooks.register("zjj-all", url, ChangeFilter(), after=0)
        await fgw.sync(store, bus.publish)
        failing = await until(store, hook.name, lambda h: h.state == FAILING)
        assert failing.attempts >= FAST.max_attempts
        assert failing.delivered_seq == 0
        assert failing.last_error == "connection failed"
        assert failing.next_attempt_at is not None and failing.last_attempt_at is not None
        # More changes while it is down; then it comes back on the same port.
        await fgw.rename([1, 2, 3])
        await fgw.sync(store, bus.publish)
        seqs = await expected_seqs(store, hook)
        async with receiving(port) as (receiver, _):
            events = await receiver.wait_for(len(seqs))
            recovered = await until(store, hook.name, lambda h: h.delivered_seq == seqs[-1])
    assert [e["data"]["seq"] for e in events] == seqs and len(seqs) == 27
    assert (recovered.state, recovered.attempts) == (ACTIVE, 0)


async def test_500s_and_slow_receivers_are_recorded_and_hold_up_no_one_else(
    store: Store, fgw: Department
) -> None:
    async with (
        receiving() as (broken, broken_url),
        receiving() as (slow, slow_url),
        receiving() as (healthy, healthy_url),
        hub_side(store) as (hooks, bus),
    ):
        broken.status = 500
        slow.delay = 2 * FAST.timeout_seconds
        for name, url in (("broken", broken_url), ("slow", slow_url), ("healthy", healthy_url)):
            await hooks.register(name, url, PROJECTS, after=0)
        await fgw.sync(store, bus.publish)
        assert len(await healthy.wait_for(12)) == 12
        failed = await until(store, "broken", lambda h: h.state == FAILING)
        assert failed.last_error == "HTTP 500" and failed.delivered_seq == 0
        timed_out = await until(store, "slow", lambda h: h.attempts >= 2)
        assert timed_out.last_error == "timeout: no answer within 0.5 s"
        assert timed_out.delivered_seq == 0


async def test_two_workers_on_one_store_deliver_each_change_once_in_order(
    store: Store, fgw: Department
) -> None:
    async with receiving() as (receiver, url), hub_side(store, workers=2) as (hooks, bus):
        hook = await hooks.register("twice", url, ChangeFilter(), after=0)
        await fgw.sync(store, bus.publish)
        seqs = await expected_seqs(store, hook)
        events = await receiver.wait_for(len(seqs))
        await until(store, hook.name, lambda h: h.delivered_seq == seqs[-1])
        await asyncio.sleep(0.3)  # a duplicate would arrive in this time
    assert [e["data"]["seq"] for e in receiver.events] == seqs
    assert len(events) == 24


async def test_paused_webhooks_wait_and_resume_where_they_stopped(
    store: Store, fgw: Department
) -> None:
    async with receiving() as (receiver, url), hub_side(store) as (hooks, bus):
        hook = await hooks.register("later", url, PROJECTS)  # only changes from now on
        await hooks.pause(hook.name)
        await fgw.sync(store, bus.publish)
        await asyncio.sleep(0.3)
        assert receiver.requests == []
        await hooks.resume(hook.name)
        assert len(await receiver.wait_for(12)) == 12


@pytest.mark.parametrize(
    ("name", "url", "problem"),
    [
        ("zjj", "ftp://127.0.0.1/hook", "the URL must be an absolute http:// or https:// URL"),
        ("zjj", "/hook", "the URL must be an absolute http:// or https:// URL"),
        ("ZJJ hook", "http://127.0.0.1/hook", "webhook name 'ZJJ hook' must be"),
    ],
)
async def test_bad_registrations_are_refused(
    store: Store, name: str, url: str, problem: str
) -> None:
    hooks = Webhooks(store, MemoryBus(), policy=LOCAL)
    with pytest.raises(WebhookError, match=problem):
        await hooks.register(name, url, ChangeFilter())
    await hooks.register("zjj", "https://127.0.0.1/hook", ChangeFilter())
    with pytest.raises(WebhookError, match="a webhook named 'zjj' already exists"):
        await hooks.register("zjj", "https://127.0.0.1/other", ChangeFilter())
    with pytest.raises(WebhookNotFoundError, match="no webhook named 'nope'"):
        await hooks.redeliver("nope", 1)
    assert [h.name for h in await hooks.list()] == ["zjj"]
    assert FeedScope(ChangeFilter()).filter == (await hooks.get("zjj")).filter
