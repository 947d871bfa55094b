"""督办 alerts: one change per transition into or out of DUE_SOON / OVERDUE, exactly once."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hub import tables
from hub.calendar import WorkingCalendar
from hub.changelog import OPS, ChangeLog, ChangeRecord, Provenance, append
from hub.entities import EventStep
from hub.sla import FilingClock
from hub.sla_alerts import CONNECTOR, FIELD, OP, SlaAlerts
from hub.store import Store
from schema import build_schema
from schema.context import Context
from schema.types.change import ChangeOp
from tests.hub.test_sla import add_filing, utc

pytestmark = pytest.mark.anyio


async def logged(store: Store) -> list[tuple[str, str | None, str | None, str | None]]:
    c = tables.changes
    async with store.read() as conn:
        rows = await conn.execute(
            select(c.c.entity_key, c.c.old_value, c.c.new_value, c.c.department_code)
            .where(c.c.op == OP, c.c.field == FIELD, c.c.connector == CONNECTOR)
            .order_by(c.c.seq)
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def woken() -> list[int]:
    return []


@pytest.fixture
def alerts(store: Store, woken: list[int]) -> SlaAlerts:
    async def wake() -> None:
        woken.append(1)

    return SlaAlerts(ChangeLog(store, wake), FilingClock(store, WorkingCalendar()))


async def test_each_transition_is_logged_once_under_the_handling_department(
    store: Store, alerts: SlaAlerts, woken: list[int]
) -> None:
    accepted = date(2014, 12, 1)
    await add_filing(store, "F1", limit=3, accepted=accepted)
    await add_filing(store, "CALM", limit=30, accepted=accepted)
    async with store.write() as conn:
        await conn.execute(update(tables.filings).values(department_code="ZJJ"))

    assert (await alerts.run(date(2014, 12, 2))).appended == 0
    report = await alerts.run(date(2014, 12, 3))
    assert report.transitions == {"DUE_SOON": 1}
    assert (await alerts.run(date(2014, 12, 3))).appended == 0  # the same day again: nothing
    assert (await alerts.run(date(2014, 12, 5))).transitions == {"OVERDUE": 1}
    assert (await alerts.run(date(2014, 12, 8))).appended == 0
    async with store.write() as conn:
        await conn.execute(
            update(tables.filings)
            .where(tables.filings.c.key == "F1")
            .values(completed_at=utc(date(2014, 12, 9)), status="APPROVED")
        )
    assert (await alerts.run(date(2014, 12, 10))).transitions == {"COMPLETED_LATE": 1}
    assert await logged(store) == [
        ("F1", None, "DUE_SOON", "ZJJ"),
        ("F1", "DUE_SOON", "OVERDUE", "ZJJ"),
        ("F1", "OVERDUE", "COMPLETED_LATE", "ZJJ"),
    ]
    assert len(woken) == 3  # the feed is woken after each run that appended, only then


async def test_a_suspension_takes_a_filing_out_of_its_alert(
    store: Store, alerts: SlaAlerts
) -> None:
    accepted = date(2014, 12, 1)
    await add_filing(
        store,
        "F1",
        limit=3,
        accepted=accepted,
        steps=[(EventStep.ACCEPT, accepted), (EventStep.SUPPLEMENT_REQUESTED, date(2014, 12, 4))],
    )
    await alerts.run(date(2014, 12, 3))
    await alerts.run(date(2014, 12, 8))
    assert [(old, new) for _, old, new, _ in await logged(store)] == [
        (None, "DUE_SOON"),
        ("DUE_SOON", "SUSPENDED"),
    ]


async def test_runs_at_once_append_each_transition_once(store: Store, alerts: SlaAlerts) -> None:
    for n in range(20):
        await add_filing(store, f"F{n}", limit=2, accepted=date(2014, 12, 1))
    other = SlaAlerts(ChangeLog(store), FilingClock(store, WorkingCalendar()))
    reports = await asyncio.gather(
        *(each.run(date(2014, 12, 10)) for each in (alerts, other, alerts, other))
    )
    assert sorted(r.appended for r in reports) == [0, 0, 0, 20]
    assert len(await logged(store)) == 20


async def test_a_filing_deleted_at_its_source_leaves_its_alert(
    store: Store, alerts: SlaAlerts
) -> None:
    await add_filing(store, "F1", limit=2, accepted=date(2014, 12, 1))
    await alerts.run(date(2014, 12, 10))
    async with store.write() as conn:
        await conn.execute(update(tables.filings).values(deleted_at=utc(date(2014, 12, 11))))
    assert (await alerts.run(date(2014, 12, 11))).transitions == {"GONE": 1}
    assert (await alerts.run(date(2014, 12, 12))).appended == 0


async def _fill(store: Store, count: int) -> None:
    for n in range(count):
        accepted = date(2014, 12, 1 + n % 5)
        await add_filing(store, f"K{n:04d}", limit=2 + n % 7, accepted=accepted)


async def _run_process(url: str, as_of: date, kill_after: float) -> bool:
    """Run the alerts in a process; SIGKILL it after ``kill_after`` seconds. True if killed,
    False if it finished first."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.sla_alerts_process", url, as_of.isoformat()
    )
    try:
        await asyncio.wait_for(process.wait(), kill_after)
        assert process.returncode == 0
        return False
    except TimeoutError:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        return True


@pytest.mark.slow
async def test_a_run_killed_at_any_point_appends_nothing_twice(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    await _fill(store, 600)
    reference = Store(f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}")
    await reference.migrate()
    await _fill(reference, 600)
    days = [date(2014, 12, d) for d in (3, 5, 9, 12, 19)]
    rng = random.Random(7)
    kills = 0
    try:
        alerts = SlaAlerts(ChangeLog(reference), FilingClock(reference, WorkingCalendar()))
        for day in days:
            await alerts.run(day)
            # Two runs killed at random points of start-up or work, then one left to finish.
            for _ in range(2):
                kills += await _run_process(store_url, day, rng.uniform(0.2, 2.0))
            assert not await _run_process(store_url, day, 120)
        expected = Counter((k, o, n) for k, o, n, _ in await logged(reference))
    finally:
        await reference.dispose()
    assert kills >= 3
    assert Counter((k, o, n) for k, o, n, _ in await logged(store)) == expected


async def test_departments_receive_the_alerts_through_the_change_feed(
    store: Store, alerts: SlaAlerts
) -> None:
    await add_filing(store, "F1", limit=2, accepted=date(2014, 12, 1))
    async with store.write() as conn:
        await conn.execute(update(tables.filings).values(department_code="ZJJ"))
        # A record-level change of the same filing, which an ops filter leaves out.
        await append(
            store,
            conn,
            [ChangeRecord.created("filing", "F1", None, {"key": "F1"})],
            Provenance("test", "ZJJ", None),
            utc(date(2014, 12, 1)),
        )
    await alerts.run(date(2014, 12, 10))
    query = """{ changes(filter: {entities: ["filing"], fields: ["slaState"], ops: [SLA],
                                departmentCodes: ["ZJJ"]}) {
                   nodes { op field newValue } } }"""
    result = await build_schema().execute(query, context_value=Context.create(store))
    assert result.errors is None, result.errors
    assert result.data == {
        "changes": {"nodes": [{"op": "SLA", "field": "slaState", "newValue": "OVERDUE"}]}
    }


def test_the_graph_names_every_op_of_the_log() -> None:
    assert {op.value for op in ChangeOp} == OPS
    assert OP in OPS
