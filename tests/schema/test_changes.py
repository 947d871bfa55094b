"""The change feed over GraphQL: the polling query, webhook mutations and state, and the
``changes`` subscription over a real websocket (graphql-transport-ws) served by uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from hub import tables
from hub.http.app import HubGraphQL
from hub.store import Store
from tests.asgi import GraphQLClient
from tests.feed_support import Department, Hub, Subscriber, logged

pytestmark = pytest.mark.anyio

POLL = """
query ($filter: ChangeFilter, $after: BigInt!, $first: Int) {
  changes(filter: $filter, after: $after, first: $first) {
    nodes { seq op entity key projectCode matterCode field oldValue newValue
            source { connector department syncRun } sourceTime recordedAt }
    endSeq hasMore
  }
}
"""
REGISTER = """
mutation ($name: String!, $url: String!, $filter: ChangeFilter, $after: BigInt) {
  registerWebhook(name: $name, url: $url, filter: $filter, department: "ZJJ", after: $after) {
    secret webhook { name url department state deliveredUpTo filter { entities fields } }
  }
}
"""
STATE = "{ webhooks { name state deliveredUpTo attempts lastError lastAttemptAt nextAttemptAt } }"


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=f"http://{hub.address}") as http:
        yield GraphQLClient(http)


async def test_polling_pages_through_the_log_with_a_filter(
    store: Store, fgw: Department, client: GraphQLClient
) -> None:
    await fgw.sync(store)
    await fgw.rename([2])
    await fgw.sync(store)
    seqs = await logged(store)
    filter = {"entities": ["project"], "fields": ["name"]}
    first = (await client.data(POLL, filter=filter, after=0, first=4))["changes"]
    assert [n["seq"] for n in first["nodes"]] == seqs[:4]
    assert first["hasMore"] and first["endSeq"] == seqs[3]
    node = first["nodes"][0]
    assert node["op"] == "CREATED" and node["newValue"] == {"name": "福田区第1小学改扩建工程"}
    assert node["source"] == {"connector": "fgw", "department": "FGW", "syncRun": 1}
    assert node["recordedAt"].endswith("+00:00")
    rest = (await client.data(POLL, filter=filter, after=first["endSeq"], first=10))["changes"]
    assert [(n["op"], n["field"], n["oldValue"]) for n in rest["nodes"]] == [
        ("CREATED", None, None),
        ("CREATED", None, None),
        ("UPDATED", "name", "福田区第2小学改扩建工程"),
    ]
    # Not full: the end is the log's head, so the next poll does not rescan the filings.
    assert not rest["hasMore"] and rest["endSeq"] == seqs[-1]
    matter = (await client.data(POLL, filter={"matterCodes": ["FGW-001"]}, after=0))["changes"]
    assert {(n["entity"], n["matterCode"]) for n in matter["nodes"]} == {("filing", "FGW-001")}


async def test_seqs_past_32_bits_are_exact_numbers_and_strings_are_accepted(
    store: Store, fgw: Department, client: GraphQLClient
) -> None:
    await fgw.sync(store)
    beyond = 3_000_000_000  # a log past 2^31 rows: GraphQL's Int would fail here
    async with store.write() as conn:
        await conn.execute(tables.changes.update().values(seq=tables.changes.c.seq + beyond))
    seqs = await logged(store)
    page = (await client.data(POLL, after=str(seqs[1]), first=3))["changes"]
    assert [n["seq"] for n in page["nodes"]] == seqs[2:5]
    assert page["endSeq"] == seqs[4] > 2**31
    again = (await client.data(POLL, after=page["endSeq"], first=1))["changes"]
    assert [n["seq"] for n in again["nodes"]] == seqs[5:6]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"filter": {"entities": ["permit"]}, "after": 0}, "unknown entity permit"),
        ({"filter": {"fields": ["colour"]}, "after": 0}, "unknown field colour of any entity"),
        ({"after": -1}, "after must be a seq (0 or more), not -1"),
        ({"after": 2**63}, "BigInt takes a 64-bit integer or a string of one"),
        ({"after": "12x"}, "BigInt takes a 64-bit integer or a string of one, not '12x'"),
        ({"after": 1.5}, "BigInt takes a 64-bit integer"),
        ({"after": 0, "first": 100_000}, "first"),
    ],
)
async def test_bad_polls_get_clear_errors(
    client: GraphQLClient, variables: dict[str, object], message: str
) -> None:
    errors = await client.errors(POLL, **variables)
    assert message in errors[0]["message"]


async def test_webhooks_are_managed_and_their_state_is_visible(
    store: Store, client: GraphQLClient
) -> None:
    registered = (
        await client.data(
            REGISTER,
            name="zjj-permits",
            url="http://127.0.0.1:1/hook",  # nothing listens: every attempt fails
            filter={"entities": ["outcome", "filing"], "fields": ["status"]},
            after=0,
        )
    )["registerWebhook"]
    assert registered["secret"].startswith("whsec_")
    assert registered["webhook"] == {
        "name": "zjj-permits",
        "url": "http://127.0.0.1:1/hook",
        "department": "ZJJ",
        "state": "ACTIVE",
        "deliveredUpTo": 0,
        "filter": {"entities": ["filing", "outcome"], "fields": ["status"]},
    }
    errors = await client.errors(REGISTER, name="zjj-permits", url="https://127.0.0.1/h")
    assert errors[0]["message"] == "a webhook named 'zjj-permits' already exists"
    assert errors[0]["extensions"]["code"] == "INVALID_WEBHOOK"
    errors = await client.errors(REGISTER, name="other", url="file:///etc/passwd")
    assert "must be an absolute http:// or https:// URL" in errors[0]["message"]
    errors = await client.errors(
        REGISTER,
        name="other",
        url="http://127.0.0.1/",
        filter={"entities": ["filing"], "fields": ["x"]},
    )
    assert errors[0]["extensions"]["code"] == "INVALID_FILTER"

    paused = await client.data('mutation { pauseWebhook(name: "zjj-permits") { state } }')
    assert paused == {"pauseWebhook": {"state": "PAUSED"}}
    redelivered = await client.data(
        'mutation { redeliverWebhook(name: "zjj-permits", fromSeq: 5) { state deliveredUpTo } }'
    )
    assert redelivered == {"redeliverWebhook": {"state": "PAUSED", "deliveredUpTo": 4}}
    resumed = await client.data('mutation { resumeWebhook(name: "zjj-permits") { state } }')
    assert resumed == {"resumeWebhook": {"state": "ACTIVE"}}
    (state,) = (await client.data(STATE))["webhooks"]
    assert state["name"] == "zjj-permits" and state["attempts"] == 0
    errors = await client.errors('mutation { deleteWebhook(name: "nope") }')
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert await client.data('mutation { deleteWebhook(name: "zjj-permits") }') == {
        "deleteWebhook": True
    }
    assert (await client.data(STATE))["webhooks"] == []


async def test_a_subscriber_replays_then_receives_live_changes_over_a_websocket(
    store: Store, fgw: Department, hub: Hub
) -> None:
    await hub.sync(store, fgw)
    seqs = await logged(store)
    filter = {"entities": ["project"]}
    async with Subscriber.open(hub.address, filter, after=seqs[2]) as subscriber:
        replayed = await subscriber.take(3)  # projects 4-6 of the first sync
        assert [c["key"][-1] for c in replayed] == ["4", "5", "6"]
        await fgw.rename([1, 3])
        await hub.sync(store, fgw)
        live = await subscriber.take(2)
    assert [(c["op"], c["field"], c["key"][-1]) for c in live] == [
        ("UPDATED", "name", "1"),
        ("UPDATED", "name", "3"),
    ]
    assert live[0]["seq"] > replayed[-1]["seq"] and live[0]["source"]["connector"] == "fgw"


async def test_a_subscriber_that_reconnects_with_its_last_seq_misses_nothing(
    store: Store, fgw: Department, hub: Hub
) -> None:
    async with Subscriber.open(hub.address, after=0) as subscriber:
        await hub.sync(store, fgw)
        first = await subscriber.take(5)
    # Disconnected: more changes are synced meanwhile.
    await fgw.rename([4, 5, 6])
    await hub.sync(store, fgw)
    async with Subscriber.open(hub.address, after=first[-1]["seq"]) as subscriber:
        seqs = await logged(store)
        rest = await subscriber.take(len(seqs) - 5)
    assert [c["seq"] for c in first + rest] == seqs


async def test_an_invalid_subscription_gets_an_error_and_others_carry_on(
    store: Store, fgw: Department, hub: Hub
) -> None:
    async with (
        Subscriber.open(hub.address, {"fields": ["colour"]}) as bad,
        Subscriber.open(hub.address) as good,
    ):
        message = await bad.message()
        assert message["type"] in {"error", "next"}, message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert "unknown field colour of any entity" in errors[0]["message"]
        await asyncio.sleep(0.1)  # the good subscription is registered: live changes only
        await hub.sync(store, fgw)
        assert [c["seq"] for c in await good.take(12)] == await logged(store)


def _shared_work(graphql: HubGraphQL) -> tuple[int, ...]:
    """An accelerated schema's event executions, payload serializations and direct sends."""
    schema: Any = graphql.schema
    return schema.event_results.executions, schema.frames.encodings, schema.live.sent


async def test_identical_subscriptions_execute_each_change_once_and_filters_still_apply(
    store: Store, fgw: Department, hub: Hub, accelerated: bool
) -> None:
    graphql: HubGraphQL = hub.app.routes[0].endpoint  # type: ignore[attr-defined]
    names = {"entities": ["project"], "fields": ["name"]}
    async with AsyncExitStack() as stack:
        # Four clients of one portal (one resuming: `after` does not split the group), and two
        # with other filters: a group each.
        same = [
            await stack.enter_async_context(Subscriber.open(hub.address, names, after))
            for after in (None, None, None, 0)
        ]
        projects = await stack.enter_async_context(
            Subscriber.open(hub.address, {"entities": ["project"]})
        )
        filings = await stack.enter_async_context(
            Subscriber.open(hub.address, {"entities": ["filing"]})
        )
        await asyncio.sleep(0.1)  # every subscription is registered: live changes only
        before = _shared_work(graphql) if accelerated else None
        await hub.sync(store, fgw)
        received = [await s.take(6) for s in same]
        whole = await projects.take(6)
        filed = await filings.take(6)
    if before is not None:
        executed, serialized, sent = (
            n - b for n, b in zip(_shared_work(graphql), before, strict=True)
        )
        # 6 projects cut to their names, 6 whole projects, 6 filings: 18, not 4 x 6 + 6 + 6;
        # each result is serialized once for all the subscribers it reaches, and the other
        # three clients of the portal get the names straight from the cache.
        assert (executed, serialized, sent) == (18, 18, 3 * 6)
    # What the subscribers receive is the same on both paths.
    assert all(r == received[0] for r in received)
    assert [c["seq"] for c in received[0]] == [c["seq"] for c in whole]
    assert all(set(c["newValue"]) == {"name"} for c in received[0])
    assert all(set(c["newValue"]) > {"name", "status"} for c in whole)
    assert {c["entity"] for c in filed} == {"filing"}
    assert sorted(c["seq"] for c in whole + filed) == await logged(store)
