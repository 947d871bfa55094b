from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from hub import tables
from hub.changelog import ChangeLog, ChangeRecord, Provenance, append
from hub.store import Store

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 8, 30)
SOURCE_TIME = datetime(2026, 2, 28, 23, 0)
FGW = Provenance("fgw", "FGW", 7)


def test_created_carries_the_values_as_json() -> None:
    record = ChangeRecord.created(
        "filing", 42, "P1", {"key": 42, "submitted_at": SOURCE_TIME, "due": date(2026, 3, 9)}
    )
    assert record == ChangeRecord(
        op="created",
        entity="filing",
        entity_key="42",
        project_code="P1",
        field=None,
        old_value=None,
        new_value={"key": 42, "submitted_at": "2026-02-28T23:00:00Z", "due": "2026-03-09"},
        source_time=None,
    )


def test_updated_names_the_field_and_both_values() -> None:
    record = ChangeRecord.updated("filing", "F1", "P1", "accepted_at", None, NOW, SOURCE_TIME)
    assert record == ChangeRecord(
        "updated", "filing", "F1", "P1", "accepted_at", None, "2026-03-01T08:30:00Z", SOURCE_TIME
    )


def test_deleted_and_restored_are_record_level() -> None:
    assert ChangeRecord.deleted("outcome", "O1", None) == ChangeRecord(
        "deleted", "outcome", "O1", None, None, None, None, None
    )
    assert ChangeRecord.restored("outcome", "O1", "P1", SOURCE_TIME) == ChangeRecord(
        "restored", "outcome", "O1", "P1", None, None, None, SOURCE_TIME
    )


def test_a_derived_event_is_one_call() -> None:
    record = ChangeRecord.derived(
        "sla_state_changed", "filing", "F1", "P1", "sla_state", "ON_TIME", "OVERDUE"
    )
    assert record == ChangeRecord(
        "sla_state_changed", "filing", "F1", "P1", "sla_state", "ON_TIME", "OVERDUE", None
    )
    assert ChangeRecord.derived("finding_opened", "project", "P1", "P1").field is None


async def _log(store: Store) -> list[tuple[object, ...]]:
    c = tables.changes
    columns = (
        c.c.op, c.c.entity, c.c.entity_key, c.c.project_code, c.c.field, c.c.old_value,
        c.c.new_value, c.c.connector, c.c.department_code, c.c.sync_run_id, c.c.source_time,
        c.c.recorded_at,
    )  # fmt: skip
    async with store.read() as conn:
        return [tuple(row) for row in await conn.execute(select(*columns).order_by(c.c.seq))]


async def test_append_inserts_the_records_stamped_with_provenance(store: Store) -> None:
    records = [
        ChangeRecord.created("project", "P1", "P1", {"code": "P1", "name": "新区"}, SOURCE_TIME),
        ChangeRecord.updated("project", "P1", "P1", "name", "新区", "老区"),
        ChangeRecord.deleted("project", "P1", "P1"),
    ]
    async with store.write() as conn:
        assert await append(store, conn, records, FGW, NOW) == 3
        assert await append(store, conn, [], FGW, NOW) == 0
    assert await _log(store) == [
        ("created", "project", "P1", "P1", None, None, {"code": "P1", "name": "新区"},
         "fgw", "FGW", 7, SOURCE_TIME, NOW),
        ("updated", "project", "P1", "P1", "name", "新区", "老区", "fgw", "FGW", 7, None, NOW),
        ("deleted", "project", "P1", "P1", None, None, None, "fgw", "FGW", 7, None, NOW),
    ]  # fmt: skip


async def test_a_second_append_waits_until_the_first_commits(store: Store) -> None:
    """The gap-free feed: change batches commit in seq order, so a later writer's append cannot
    finish while an earlier one's transaction is open."""
    first_appended, release = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with store.write() as conn:
            await append(store, conn, [ChangeRecord.deleted("matter", "M1", None)], FGW, NOW)
            first_appended.set()
            await release.wait()
            order.append("first commits")

    async def second() -> None:
        await first_appended.wait()
        async with store.write() as conn:
            await append(store, conn, [ChangeRecord.deleted("matter", "M2", None)], FGW, NOW)
            order.append("second appended")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_appended.wait()
    await asyncio.sleep(0.3)
    assert order == []
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first commits", "second appended"]
    assert [row[2] for row in await _log(store)] == ["M1", "M2"]


async def test_write_wakes_the_feed_after_a_commit_that_appended(store: Store) -> None:
    seen_on_wake: list[int] = []

    async def wake() -> None:
        async with store.read() as conn:
            count = select(func.count()).select_from(tables.changes)
            seen_on_wake.append(int((await conn.execute(count)).scalar_one()))

    log = ChangeLog(store, wake)
    async with log.write() as transaction:
        await transaction.append([ChangeRecord.deleted("matter", "M1", None)], FGW, NOW)
        await transaction.append([ChangeRecord.deleted("matter", "M2", None)], FGW, NOW)
        assert transaction.appended == 2
    assert seen_on_wake == [2]  # once, and the woken reader finds the rows

    async with log.write() as transaction:
        await transaction.append([], FGW, NOW)
    with pytest.raises(RuntimeError):
        async with log.write() as transaction:
            await transaction.append([ChangeRecord.deleted("matter", "M3", None)], FGW, NOW)
            raise RuntimeError("the batch fails")
    assert seen_on_wake == [2]  # nothing appended, or rolled back: nobody is woken
    assert [row[2] for row in await _log(store)] == ["M1", "M2"]
