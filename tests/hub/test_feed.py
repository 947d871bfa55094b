"""The change feed: the one filter point (SQL and fan-out agree), and the shared reader's
ordered, gap-free, bounded delivery while several connectors sync concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.bus.memory import MemoryBus
from hub.feed import Change, ChangeFilter, FeedFilterError, FeedScope, read_page
from hub.feed_reader import FeedReader
from hub.policy import Policy
from hub.store import Store
from tests.feed_support import Department, logged

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (
            {"entities": ["filing", "permit"]},
            "unknown entity permit; known: department, division, filing",
        ),
        ({"entities": ["filing"], "fields": ["name"]}, "unknown field name of entities filing"),
        ({"fields": ["status", "colour"]}, "unknown field colour of any entity"),
        ({"project_codes": [str(n) for n in range(1001)]}, "projectCodes: at most 1000 values"),
    ],
)
def test_an_invalid_filter_says_what_is_wrong(given: dict[str, list[str]], problem: str) -> None:
    with pytest.raises(FeedFilterError, match="invalid change filter") as caught:
        ChangeFilter.build(**given)
    assert problem in str(caught.value)


@pytest.fixture
async def departments(tmp_path: Path) -> list[Department]:
    return [
        await Department(tmp_path, name, first, 12).create()
        for name, first in (("fgw", 1), ("ghj", 101), ("zjj", 201))
    ]


async def everything(store: Store) -> list[Change]:
    return (await read_page(store, FeedScope(), 0, 10_000)).changes


async def test_sql_predicate_and_fanout_test_agree(
    store: Store, departments: list[Department]
) -> None:
    for department in departments:
        await department.sync(store)
    await departments[1].rename([101, 102])
    await departments[1].sync(store)
    log = await everything(store)
    scopes = [
        FeedScope(ChangeFilter.build(entities=["filing"])),
        FeedScope(ChangeFilter.build(entities=["project"], fields=["name"])),
        FeedScope(ChangeFilter.build(project_codes=["2014-440304-47-01-000102"])),
        FeedScope(ChangeFilter.build(departments=["ZJJ", "GHJ"], entities=["project"])),
        FeedScope(ChangeFilter.build(matter_codes=["GHJ-001"])),
        FeedScope(ChangeFilter.build(fields=["status"], matter_codes=["FGW-001", "ZJJ-001"])),
        FeedScope(viewer=await Policy().viewer(store, "department", department="ZJJ")),
        FeedScope(ChangeFilter.build(departments=["ZJJ"]), await Policy().viewer(store)),
        FeedScope(viewer=await Policy().viewer(store, "auditor")),
    ]
    sizes = []
    for scope in scopes:
        read = await read_page(store, scope, 0, 10_000)
        assert [c.seq for c in read.changes] == [c.seq for c in log if scope.matches(c)]
        assert read.end == log[-1].seq and not read.has_more
        sizes.append(len(read.changes))
    # These departments' logs hold no sensitive values: the public view shows every change.
    assert sizes == [36, 38, 3, 26, 12, 24, 74, 24, 74] and len(log) == 74
    matter = await read_page(store, scopes[4], 0, 100)
    assert {c.matter_code for c in matter.changes} == {"GHJ-001"}
    assert {c.entity for c in matter.changes} == {"filing"}


async def test_a_field_filter_cuts_record_values_to_those_fields(
    store: Store, departments: list[Department]
) -> None:
    await departments[0].sync(store)
    scope = FeedScope(ChangeFilter.build(entities=["project"], fields=["name", "status"]))
    page = await read_page(store, scope, 0, 5)
    assert page.has_more and page.end == page.changes[-1].seq
    assert page.changes[0].op == "created"
    assert page.changes[0].new_value == {
        "name": "福田区第1小学改扩建工程",
        "status": "UNDER_APPROVAL",
    }


async def collect(
    stream: AsyncIterator[Change], into: list[int], count: int, gate: asyncio.Event | None = None
) -> None:
    async for change in stream:
        if gate is not None:
            await gate.wait()
        into.append(change.seq)
        if len(into) == count:
            return


async def test_subscribers_see_every_change_once_in_order_while_connectors_sync_concurrently(
    store: Store, departments: list[Department]
) -> None:
    bus = MemoryBus()
    async with bus, FeedReader(store, bus, poll_seconds=5, page_size=7, queue_size=3) as reader:
        expected = 3 * 12 * 2 + 3 * 4  # created projects and filings, then renamed projects
        fast: list[int] = []
        slow: list[int] = []
        gate = asyncio.Event()
        # Both replay from the start and then read live while the syncs commit.
        readers = [
            asyncio.create_task(collect(reader.subscribe(FeedScope(), 0), fast, expected)),
            asyncio.create_task(collect(reader.subscribe(FeedScope(), 0), slow, expected, gate)),
        ]
        await asyncio.sleep(0)

        async def two_rounds(department: Department) -> None:
            await department.sync(store, bus.publish)
            await department.rename(list(department.numbers)[:4])
            await department.sync(store, bus.publish)

        await asyncio.gather(*(two_rounds(d) for d in departments))
        # The fast subscriber got everything although the slow one has not read a thing...
        await asyncio.wait_for(readers[0], 20)
        assert len(slow) == 0
        assert all(len(s.queue) <= 3 for s in reader._subscribers)
        # ... and the slow one, released, catches up from the log: nothing lost.
        gate.set()
        await asyncio.wait_for(readers[1], 20)
    assert len(await logged(store)) == expected
    assert fast == await logged(store)
    assert slow == fast


async def test_a_lost_wake_up_only_delays_until_the_fallback_poll(
    store: Store, departments: list[Department]
) -> None:
    bus = MemoryBus()
    async with bus, FeedReader(store, bus, poll_seconds=0.2) as reader:
        seen: list[int] = []
        task = asyncio.create_task(collect(reader.subscribe(FeedScope()), seen, 24))
        await asyncio.sleep(0.05)
        await departments[0].sync(store)  # no on_commit: nobody is woken
        await asyncio.wait_for(task, 10)
    assert seen == await logged(store)
