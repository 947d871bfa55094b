"""Catalogue-driven push (ChangeFilter.prerequisitesOf): a department names the matters it
handles and receives the outcomes and filing state changes of the matters they require, for
its projects, through polling, webhooks (``read_page``) and live subscriptions alike."""

from __future__ import annotations

import asyncio

import pytest

from hub import tables
from hub.bus import create_bus
from hub.changelog import ChangeLog, ChangeRecord, Provenance
from hub.feed import Change, ChangeFilter, FeedScope, read_page
from hub.feed_reader import FeedReader
from hub.store import Store
from tests.hub.checks.seed import NOW, PROJECT, catalogue, filing, outcome, project, put

pytestmark = pytest.mark.anyio
ELSEWHERE = "2014-440300-47-01-000002"  # a project ZJJ has no filing of
ZJJ = ChangeFilter.build(prerequisites_of=["ZJJ-007"])


async def sync(store: Store, *records: ChangeRecord, department: str = "GHJ") -> None:
    """Log ``records`` as a department's sync would."""
    async with ChangeLog(store).write() as transaction:
        await transaction.append(list(records), Provenance(department.lower(), department, 1), NOW)


@pytest.fixture
async def hub(store: Store) -> Store:
    await catalogue(store)
    await put(store, "department", {"code": "FGW", "name": "发展改革委"}, connector="platform")
    await put(
        store,
        "matter",
        {"code": "FGW-001", "name": "立项", "department_code": "FGW", "stage": "LAND_PLANNING"},
        connector="platform",
    )
    await project(store)
    await project(store, ELSEWHERE)
    await filing(store, "BUILD", "ZJJ-007", status="SUBMITTED", accepted=None, completed=None)
    for code in (PROJECT, ELSEWHERE):
        await filing(store, f"PLAN-{code[-1]}", "GHJ-001", project_code=code, connector="ghj")
        await outcome(store, f"PERMIT-{code[-1]}", f"PLAN-{code[-1]}", project_code=code)
        await filing(store, f"START-{code[-1]}", "FGW-001", project_code=code, connector="fgw")
        await outcome(store, f"START-O-{code[-1]}", f"START-{code[-1]}", project_code=code)
    return store


def planning_permits() -> list[ChangeRecord]:
    """What GHJ's sync logs: two planning permits, a status change, a field ZJJ ignores."""
    return [
        ChangeRecord.created("outcome", "PERMIT-1", PROJECT, {"decision": "APPROVED"}),
        ChangeRecord.created("outcome", "PERMIT-2", ELSEWHERE, {"decision": "APPROVED"}),
        ChangeRecord.updated("filing", "PLAN-1", PROJECT, "status", "IN_PROGRESS", "APPROVED"),
        ChangeRecord.updated("filing", "PLAN-1", PROJECT, "materials", None, ["申请表"]),
        ChangeRecord.created("outcome", "START-O-1", PROJECT, {"decision": "APPROVED"}),
    ]


async def delivered(store: Store, scope: FeedScope) -> list[tuple[str, str, str | None]]:
    page = await read_page(store, scope, 0, 100)
    return [(c.entity, c.key, c.field) for c in page.changes]


async def test_zjj_gets_the_planning_permits_of_its_projects_and_nothing_else(hub: Store) -> None:
    await sync(hub, *planning_permits())
    await sync(hub, ChangeRecord.created("outcome", "X", PROJECT, {}), department="ZJJ")
    assert await delivered(hub, FeedScope(ZJJ)) == [
        ("outcome", "PERMIT-1", None),
        ("filing", "PLAN-1", "status"),
    ]
    assert ZJJ.to_json() == {"prerequisites_of": ["ZJJ-007"]}
    assert ChangeFilter.from_json(ZJJ.to_json()) == ZJJ


async def test_a_catalogue_change_takes_effect_without_registering_again(hub: Store) -> None:
    await sync(hub, *planning_permits())
    assert ("outcome", "START-O-1", None) not in await delivered(hub, FeedScope(ZJJ))
    async with hub.write() as conn:
        m = tables.matters
        await conn.execute(
            m.update().where(m.c.code == "ZJJ-007").values(prerequisites=["FGW-001", "GHJ-001"])
        )
    assert ("outcome", "START-O-1", None) in await delivered(hub, FeedScope(ZJJ))


async def test_a_live_subscription_is_resolved_from_the_catalogue_too(hub: Store) -> None:
    async with create_bus("memory://") as bus, FeedReader(hub, bus, poll_seconds=0.05) as feed:
        received: list[Change] = []

        async def follow() -> None:
            async for change in feed.subscribe(FeedScope(ZJJ)):
                received.append(change)
                if len(received) == 2:
                    return

        task = asyncio.create_task(follow())
        await asyncio.sleep(0.2)  # subscribed before the sync
        await sync(hub, *planning_permits())
        await bus.publish()
        await asyncio.wait_for(task, 10)
    assert [(c.entity, c.key, c.field) for c in received] == [
        ("outcome", "PERMIT-1", None),
        ("filing", "PLAN-1", "status"),
    ]
