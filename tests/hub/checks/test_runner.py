"""The data-check pass: findings open, stay, close by themselves, are re-graded, and each
opening and closing is one change event under the responsible department."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from hub import tables
from hub.changelog import ChangeLog
from hub.checks.registry import rule, rules
from hub.checks.runner import CONNECTOR, FIELD, OP, DataChecks, PassesAfterSync
from hub.errors import ConfigError, UnknownNameError
from hub.feed import ChangeFilter, FeedScope, read_page
from hub.runs import RunReport
from hub.store import Store
from tests.hub.checks.seed import NOW, catalogue, config, filing, project

pytestmark = pytest.mark.anyio
AS_OF = date(2014, 12, 31)


async def findings(store: Store) -> list[Any]:
    t = tables.findings
    async with store.read() as conn:
        return list(await conn.execute(select(t).order_by(t.c.id)))


async def finding_events(store: Store) -> list[Any]:
    c = tables.changes
    async with store.read() as conn:
        query = select(c).where(c.c.op == OP).order_by(c.c.seq)
        return list(await conn.execute(query))


async def test_a_finding_opens_once_stays_and_closes_when_the_data_is_fixed(store: Store) -> None:
    await catalogue(store)
    await project(store)
    await filing(store, "F1", "ZJJ-999", status="IN_PROGRESS", completed=None)
    woken: list[int] = []

    async def wake() -> None:
        woken.append(1)

    checks = DataChecks(ChangeLog(store, wake), config(), [rule("unknown_matter_code")])
    report = await checks.run(AS_OF, NOW)
    assert dict(report.opened) == {"unknown_matter_code": 1} and woken == [1]
    (row,) = await findings(store)
    assert (row.rule, row.entity, row.entity_key, row.project_code) == (
        "unknown_matter_code",
        "filing",
        "F1",
        "2014-440300-47-01-000001",
    )
    assert row.department_code == "ZJJ" and row.severity == "ERROR"
    assert row.details == {"matter_code": "ZJJ-999"} and row.resolved_at is None

    later = NOW.replace(hour=5)
    again = await checks.run(AS_OF, later)
    assert again.appended == 0 and dict(again.open) == {"unknown_matter_code": 1}
    (row,) = await findings(store)
    assert row.first_seen == NOW and row.last_seen == later and woken == [1]

    async with store.write() as conn:  # a later sync corrects the code
        f = tables.filings
        await conn.execute(update(f).where(f.c.key == "F1").values(matter_code="ZJJ-007"))
    closed = await checks.run(AS_OF, later.replace(hour=6))
    assert dict(closed.closed) == {"unknown_matter_code": 1}
    (row,) = await findings(store)
    assert row.resolved_at == later.replace(hour=6)

    opened, gone = await finding_events(store)
    for event in (opened, gone):
        assert (event.entity, event.entity_key, event.field) == ("filing", "F1", FIELD)
        assert (event.connector, event.department_code) == (CONNECTOR, "ZJJ")
    assert opened.old_value is None and gone.new_value is None
    assert opened.new_value["rule"] == "unknown_matter_code" == gone.old_value["rule"]
    assert opened.new_value["message"] == "unknown matter code ZJJ-999"

    # The same problem coming back is a new finding; the closed one stays as history.
    async with store.write() as conn:
        await conn.execute(update(f).where(f.c.key == "F1").values(matter_code="ZJJ-998"))
    await checks.run(AS_OF, later.replace(hour=7))
    assert [r.resolved_at is None for r in await findings(store)] == [False, True]


async def test_a_department_subscribes_to_its_own_findings(store: Store) -> None:
    await catalogue(store)
    await project(store)
    await filing(store, "F-ZJJ", "ZJJ-999", status="IN_PROGRESS", completed=None)
    await filing(store, "F-GHJ", "GHJ-999", status="IN_PROGRESS", completed=None, connector="ghj")
    await DataChecks(ChangeLog(store), config(), [rule("unknown_matter_code")]).run(AS_OF, NOW)
    scope = FeedScope(ChangeFilter.build(ops=["finding"], departments=["GHJ"]))
    page = await read_page(store, scope, 0, 100)
    assert [(c.key, c.department_code) for c in page.changes] == [("F-GHJ", "GHJ")]
    assert ChangeFilter.build(fields=["finding"], entities=["project"]).fields == {"finding"}


async def test_severity_is_regraded_and_a_switched_off_rule_closes_its_findings(
    store: Store,
) -> None:
    await catalogue(store)
    await project(store)
    await filing(store, "F1", "ZJJ-999", status="IN_PROGRESS", completed=None)
    await DataChecks(ChangeLog(store), config()).run(AS_OF, NOW)
    (row,) = [r for r in await findings(store) if r.rule == "unknown_matter_code"]
    assert row.severity == "ERROR"
    regraded = config(severity={"unknown_matter_code": "INFO"})
    await DataChecks(ChangeLog(store), regraded).run(AS_OF, NOW)
    (row,) = [r for r in await findings(store) if r.rule == "unknown_matter_code"]
    assert row.severity == "INFO" and row.resolved_at is None
    off = config(disabled=["unknown_matter_code"])
    report = await DataChecks(ChangeLog(store), off).run(AS_OF, NOW)
    assert report.closed["unknown_matter_code"] == 1


def test_unknown_rule_names_in_config_are_errors_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        config(disabled=["unknown_matter_code", "no_such_rule"])
    message = str(caught.value)
    assert "checks.disabled" in message and "'no_such_rule'" in message
    assert "duplicate_document_number" in message.split("known: ")[1]
    with pytest.raises(ConfigError, match=r"checks\.severity: unknown data-check rule 'nope'"):
        config(severity={"nope": "INFO"})
    with pytest.raises(ConfigError, match=r"checks\.severity\.unknown_matter_code"):
        config(severity={"unknown_matter_code": "FATAL"})
    with pytest.raises(ConfigError, match="stale_after_for names unknown connector 'xyz'"):
        config(stale_after_for={"xyz": "1d"})
    with pytest.raises(UnknownNameError, match="unknown data-check rule 'x'; known: "):
        rule("x")
    assert all(r.description and r.entity for r in rules().values())


async def test_passes_after_sync_run_in_the_background_and_drain_on_exit(store: Store) -> None:
    await catalogue(store)
    await project(store)
    await filing(store, "F1", "ZJJ-999", status="IN_PROGRESS", completed=None)
    checks = DataChecks(ChangeLog(store), config(), [rule("unknown_matter_code")], lambda: AS_OF)
    run = RunReport(connector="zjj", mode="incremental")
    async with PassesAfterSync(checks) as passes:
        await passes.request(run)  # returns at once; the pass follows
        for _ in range(100):
            if await findings(store):
                break
            await asyncio.sleep(0.05)
        assert len(await findings(store)) == 1
        async with store.write() as conn:
            f = tables.filings
            await conn.execute(update(f).where(f.c.key == "F1").values(matter_code="ZJJ-007"))
        await passes.request(run)
    # Asked for just before the block ended: it ran before the block returned.
    (row,) = await findings(store)
    assert row.resolved_at is not None
