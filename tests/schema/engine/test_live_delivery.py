"""Events sent straight to subscribers once their shared result is made: the same frames as
plain strawberry's delivery, in order, and nothing after a subscriber completes."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

import pytest

from hub.http.app import HubGraphQL, create_app
from hub.store import Store
from schema import build_schema
from schema.engine.accelerated import ACCELERATE_ENV
from tests.asgi import trusted
from tests.feed_support import Department, Hub, Subscriber, live_server, logged

pytestmark = pytest.mark.anyio


async def _raw(subscriber: Subscriber, count: int) -> list[str]:
    return [await asyncio.wait_for(subscriber.socket.recv(), 10) for _ in range(count)]  # type: ignore[misc]


async def test_direct_frames_are_byte_for_byte_those_of_plain_strawberry(
    store: Store, fgw: Department, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    graphql: HubGraphQL = hub.app.routes[0].endpoint  # type: ignore[attr-defined]
    live = graphql.schema.live  # type: ignore[attr-defined]
    monkeypatch.setenv(ACCELERATE_ENV, "0")
    plain = create_app(trusted({"bus": {"poll_seconds": 30}}), store=store)

    async def wake_both() -> None:
        await hub.app.state.bus.publish()
        await plain.state.bus.publish()

    async with live_server(plain) as plain_address, AsyncExitStack() as stack:
        subscribers = [
            await stack.enter_async_context(Subscriber.open(address))
            for address in (hub.address, hub.address, hub.address, plain_address)
        ]
        await asyncio.sleep(0.1)  # every subscription is registered: live changes only
        sent = live.sent
        await fgw.sync(store, wake_both)
        seqs = await logged(store)
        frames = [await _raw(s, len(seqs)) for s in subscribers]
    # Each change reached one accelerated subscriber through strawberry and the two others
    # directly; all three got what plain strawberry sends.
    assert live.sent - sent == 2 * len(seqs)
    assert frames[0] == frames[1] == frames[2] == frames[3]
    assert [json.loads(f)["payload"]["data"]["changes"]["seq"] for f in frames[0]] == seqs


async def test_a_completed_subscription_gets_nothing_more_while_its_group_carries_on(
    store: Store, fgw: Department, hub: Hub
) -> None:
    async with (
        Subscriber.open(hub.address, {"entities": ["project"]}) as leaving,
        Subscriber.open(hub.address, {"entities": ["project"]}) as staying,
    ):
        await asyncio.sleep(0.1)
        await hub.sync(store, fgw)
        assert len(await leaving.take(6)) == len(await staying.take(6)) == 6
        await leaving.socket.send(json.dumps({"id": "1", "type": "complete"}))
        await asyncio.sleep(0.1)  # the operation is cancelled on the server
        await fgw.rename([1, 2])
        await hub.sync(store, fgw)
        renamed = await staying.take(2)
        assert [c["field"] for c in renamed] == ["name", "name"]
        with pytest.raises(TimeoutError):
            await leaving.message(timeout=0.5)


def test_outside_a_websocket_operation_there_is_no_sender() -> None:
    class Info:  # what a resolver would hold; never read without an operation
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"read {name}")

    assert build_schema(accelerate=True).live.sender(Info()) is None  # type: ignore[attr-defined,arg-type]
