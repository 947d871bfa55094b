from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hub import tables
from hub.store import Store
from schema import loaders as loaders_module
from schema.loaders import Loaders
from tests.asgi import StatementLog
from tests.schema import seed

pytestmark = pytest.mark.anyio


async def test_one_select_per_batch_in_key_order(store: Store, sql_log: StatementLog) -> None:
    codes = await seed.seed_all(store)
    loaders = Loaders(store)
    keys = [codes[2], "2099-440300-47-01-000001", codes[0], seed.DELETED_PROJECT, codes[1]]
    with sql_log.recording():
        found = await loaders.project.load_many(keys)
    assert len(sql_log.selects) == 1
    assert " IN " in sql_log.selects[0]
    assert [p.code if p else None for p in found] == [codes[2], None, codes[0], None, codes[1]]


async def test_loaders_of_a_level_run_concurrently_on_their_own_connections(
    store: Store, sql_log: StatementLog
) -> None:
    codes = await seed.seed_all(store)
    loaders = Loaders(store)
    with sql_log.recording():
        events, outcomes, matters = await asyncio.gather(
            loaders.events_by_filing.load_many(["F000000-1", "F000001-2", "none"]),
            loaders.outcomes_by_project.load_many(codes),
            loaders.matters_by_department.load_many(["FGW", "GT", "OLD", "none"]),
        )
    assert len(sql_log.selects) == 3
    assert [[e.key for e in group] for group in events] == [
        ["F000000-1-ACCEPT", "F000000-1-REVIEW", "F000000-1-COMPLETE"],
        ["F000001-2-ACCEPT"],
        [],
    ]
    assert [[o.key for o in group] for group in outcomes] == [
        ["O000000-1"],
        ["O000001-1"],
        ["O000002-1"],
    ]
    assert [[m.code for m in group] for group in matters] == [["FGW-001"], ["GT-001"], [], []]


async def test_events_in_time_order_and_the_latest_outcome(store: Store) -> None:
    await seed.seed_all(store)
    later = seed.outcome("O000000-9", "F000000-1", issued_at=(seed.DAY0 + timedelta(days=9)).date())
    await seed.insert(store, tables.outcomes, [later])
    loaders = Loaders(store)
    events, outcome, none = await asyncio.gather(
        loaders.events_by_filing.load("F000000-1"),
        loaders.outcome_by_filing.load("F000000-1"),
        loaders.outcome_by_filing.load("F000000-2"),
    )
    assert [e.step.value for e in events] == ["ACCEPT", "REVIEW", "COMPLETE"]
    assert outcome is not None and outcome.key == "O000000-9"
    assert none is None  # its only outcome is deleted


async def test_huge_batches_are_split_below_the_parameter_limit(
    store: Store, sql_log: StatementLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = await seed.seed_projects(store, 5)
    monkeypatch.setattr(loaders_module, "MAX_KEYS_PER_STATEMENT", 2)
    loaders = Loaders(store)
    with sql_log.recording():
        found = await loaders.project.load_many(codes)
    assert [p.code for p in found] == codes
    assert len(sql_log.selects) == 3


async def test_loader_results_are_cached_per_instance(store: Store, sql_log: StatementLog) -> None:
    codes = await seed.seed_projects(store, 1)
    loaders = Loaders(store)
    with sql_log.recording():
        first = await loaders.project.load(codes[0])
        again = await loaders.project.load(codes[0])
        other = await Loaders(store).project.load(codes[0])
    assert first is again and first is not other
    assert len(sql_log.selects) == 2
