"""The demo department sources: determinism, exact counts, planted bad rows, the written config,
distinct source schemas, valid identifiers and the timelines' rules; one real sync at a small
scale proves the store ends up with exactly the expected rows and rejects."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from sqlalchemy import func, select

from hub import identifiers, tables
from hub.calendar import standard_calendar
from hub.config import HubConfig, load_config
from hub.demo import (
    AS_OF,
    ORPHAN_FILINGS,
    REJECT_COUNT,
    REJECTS,
    SOURCES,
    Dataset,
    build_demo,
    expected_counts,
    generate,
)
from hub.demo.config import hub_config
from hub.demo.counts import count, is_overdue, pauses
from hub.demo.filings import OPEN
from hub.demo.sources import BAD_ROWS, rjw
from hub.demo.sources.zjj import checked_permits
from hub.entities import EventStep, FilingStatus
from tests.demo_support import sync_demo

pytestmark = pytest.mark.anyio

SMALL = 0.05


@pytest.fixture(scope="module")
def scale_one() -> Dataset:
    return generate(1.0)


@pytest.fixture(scope="module")
def demo_one(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo1"), scale=1.0)


@pytest.fixture(scope="module")
def demo_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo_small"), scale=SMALL)


def connect(config_path: Path, source: str) -> sqlite3.Connection:
    return sqlite3.connect(config_path.parent / "sources" / f"{source}.db")


def dump(config_path: Path) -> dict[str, list[str]]:
    dumped = {"hub.toml": [config_path.read_text(encoding="utf-8")]}
    for source in SOURCES:
        with connect(config_path, source) as conn:
            dumped[source] = list(conn.iterdump())
    return dumped


def rows_per_entity(config_path: Path) -> Counter[str]:
    """Rows each entity's streams return, counted through the written config itself."""
    config = load_config(config_path)
    found: Counter[str] = Counter()
    for connector in config.connectors:
        with connect(config_path, connector.name) as conn:
            for stream in connector.streams:
                source = stream.table or f"({stream.query})"
                found[stream.entity] += conn.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    return found


def test_the_same_seed_and_scale_give_identical_sources(tmp_path: Path, demo_small: Path) -> None:
    again = build_demo(tmp_path / "again", scale=SMALL)
    assert dump(again) == dump(demo_small)
    other = build_demo(tmp_path / "other", scale=SMALL, seed=7)
    assert dump(other)["fgw"] != dump(demo_small)["fgw"]


def test_building_again_replaces_the_files(tmp_path: Path) -> None:
    build_demo(tmp_path, scale=0.02, seed=1)
    path = build_demo(tmp_path, scale=SMALL)
    assert sorted(p.name for p in (tmp_path / "sources").iterdir()) == sorted(
        f"{name}.db" for name in SOURCES
    )
    assert dump(path) == dump(build_demo(tmp_path / "fresh", scale=SMALL))


def test_scale_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        build_demo(tmp_path, scale=0)


def test_counts_at_scale_one_are_the_seed_system(scale_one: Dataset) -> None:
    counts = count(scale_one)
    assert counts == expected_counts(1.0)
    assert counts.store() == {
        "department": 16,
        "matter": 215,
        "project": 1780,
        "filing": 7550 + ORPHAN_FILINGS,
        "process_event": counts.process_events,
        "outcome": counts.outcomes,
        "project_annotation": counts.annotations,
    }
    assert 30_000 < counts.process_events < 45_000
    statuses = Counter(f.status for f in scale_one.filings if f.project is not None)
    closed = statuses[FilingStatus.APPROVED] + statuses[FilingStatus.REJECTED]
    # Every closed filing has its outcome but the planted contradictions (hub.demo.planted):
    # two APPROVED filings whose outcome is missing, one IN_PROGRESS filing with an outcome.
    assert counts.outcomes == closed - 2 + 1
    assert statuses[FilingStatus.APPROVED] > 0.8 * 7550
    assert statuses[FilingStatus.SUPPLEMENT] > 100 and statuses[FilingStatus.IN_PROGRESS] > 200
    assert counts.overdue_filings == round(0.05 * 7550)
    assert counts.open_overdue_filings == 32
    assert 100 < counts.idle_projects < 700


@pytest.mark.parametrize("path_fixture", ["demo_one", "demo_small"])
def test_sources_hold_exactly_the_expected_rows(
    path_fixture: str, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(path_fixture)
    scale = 1.0 if path_fixture == "demo_one" else SMALL
    planted = Counter(r.entity for rows in BAD_ROWS.values() for r in rows)
    expected = Counter(expected_counts(scale).store())
    # ZJJ's copy of the GHJ permits it checks: more rows of filings, not more filings.
    copies = Counter(filing=len(checked_permits(generate(scale))))
    assert rows_per_entity(path) == expected + planted + copies
    if scale == 1.0:
        assert expected["project"] == 1780 and expected["filing"] == 7556


def test_bad_rows_are_planted_in_every_source(demo_small: Path) -> None:
    assert set(BAD_ROWS) == set(SOURCES)
    for source, bad_rows in BAD_ROWS.items():
        assert len(bad_rows) == 5
        with connect(demo_small, source) as conn:
            for bad in bad_rows:
                where = " AND ".join(f"{c} IS ?" for c in bad.values)
                found = conn.execute(
                    f"SELECT count(*) FROM {bad.table} WHERE {where}", list(bad.values.values())
                ).fetchone()[0]
                assert found == 1, (source, bad.problem)
    assert REJECT_COUNT == 25
    assert sum(sum(per.values()) for per in REJECTS.values()) == 25
    with connect(demo_small, "fgw") as conn:
        codes = [row[0] for row in conn.execute("SELECT XMDM FROM XM_JBXX")]
    assert "XM2014-0001" in codes and "2014-440304-47-01-00012" in codes


def test_the_written_config_loads_and_points_at_the_sources(demo_small: Path) -> None:
    config = load_config(demo_small)
    assert isinstance(config, HubConfig)
    store_url = config.resolve_url(config.store.url)
    assert store_url == f"sqlite+aiosqlite:///{demo_small.parent.resolve() / 'hub.db'}"
    assert [c.name for c in config.connectors] == list(SOURCES)
    for connector in config.connectors:
        assert connector.kind == "sql" and connector.schedule == "*/10 * * * *"
        url = config.resolve_url(connector.options["url"])
        assert Path(url.removeprefix("sqlite:///")).is_file()
        for stream in connector.streams:
            assert stream.cursor, (connector.name, stream.stream_name)
    departments = {c.name: c.department for c in config.connectors}
    assert departments == {"fgw": "FGW", "platform": None, "ghj": "GHJ", "zjj": "ZJJ", "rjw": "RJW"}
    entities = Counter(s.entity for c in config.connectors for s in c.streams)
    assert entities == {
        "filing": 6,  # ZJJ's copy of the GHJ permits it checks is the sixth
        "process_event": 5,
        "outcome": 5,
        "department": 1,
        "matter": 1,
        "project": 1,
        "project_annotation": 1,  # the platform's 督办 causes of idle projects
    }


def test_every_source_has_its_own_schema(demo_small: Path) -> None:
    schemas: dict[str, dict[str, frozenset[str]]] = {}
    for source in SOURCES:
        with connect(demo_small, source) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                )
            ]
            schemas[source] = {
                name: frozenset(r[1] for r in conn.execute(f"PRAGMA table_info({name})"))
                for name in names
            }
    sources = list(schemas)
    for i, first in enumerate(sources):
        for second in sources[i + 1 :]:
            assert not set(schemas[first]) & set(schemas[second]), (first, second)
    vocabularies = [frozenset().union(*schemas[s].values()) for s in sources]
    for i, mine in enumerate(vocabularies):
        for theirs in vocabularies[i + 1 :]:
            # Pinyin-initial systems share a few national field names (XMDM, GXSJ), no more.
            shared = mine & theirs
            assert len(shared) < min(len(mine), len(theirs)) / 3, sorted(shared)


def test_each_system_is_written_and_mapped_from_its_declaration(demo_small: Path) -> None:
    for name, system in SOURCES.items():
        with connect(demo_small, name) as conn:
            for table in system.tables:
                written = [r[1] for r in conn.execute(f"PRAGMA table_info({table.name})")]
                assert written == [c.name for c in table.columns], (name, table.name)
        read = [t for t in system.tables if t.entity is not None]
        for table, stream in zip(read, system.connector()["streams"], strict=True):
            assert stream["entity"] == table.entity
            if "query" in stream:
                continue
            for mapping in stream["fields"].values():
                column = mapping if isinstance(mapping, str) else mapping.get("column")
                assert column is None or column in {c.name for c in table.columns}, column
    # rjw's row versions run on across its tables, one number per written row.
    with connect(demo_small, "rjw") as conn:
        versions = sorted(
            row[0]
            for table in ("TB_HPSP_SQ", "TB_HPSP_LC", "TB_HPSP_PF")
            for row in conn.execute(f"SELECT SCN FROM {table} WHERE SCN >= ?", (rjw.FIRST_SCN,))
        )
    assert versions == list(range(rjw.FIRST_SCN, rjw.FIRST_SCN + len(versions)))


def test_identifiers_are_valid(demo_one: Path) -> None:
    bad_codes = {r.values["XMDM"] for r in BAD_ROWS["fgw"]}
    with connect(demo_one, "fgw") as conn:
        rows = conn.execute("SELECT XMDM, XMDWDM, XZQH FROM XM_JBXX").fetchall()
    valid = [r for r in rows if r[0] not in bad_codes]
    assert len(valid) == 1780
    for code, owner, district in valid:
        assert identifiers.project_code(code) == code
        assert code.split("-")[1] == district
        assert identifiers.credit_code(owner) == owner
        assert identifiers.division_code(district) == district
    assert len({r[0] for r in valid}) == 1780
    with connect(demo_one, "platform") as conn:
        credit = [r[0] for r in conn.execute("SELECT TYSHXYDM FROM BM_JBXX WHERE BMDM != 'JXW'")]
    assert len(credit) == 16 and all(identifiers.credit_code(c) == c for c in credit)


def test_timelines_follow_the_rules(scale_one: Dataset) -> None:
    data = scale_one
    calendar = standard_calendar()
    approved_at: dict[tuple[str, str], datetime] = {}
    for filing in data.filings:
        if filing.status is FilingStatus.APPROVED and filing.completed_at is not None:
            approved_at[(filing.project_code, filing.matter.code)] = filing.completed_at
    planted = data.planted.touched()  # broken on purpose for the data checks
    for filing in data.filings:
        if id(filing) in planted:
            continue
        times = [filing.submitted_at, *(e.occurred_at for e in filing.events)]
        assert times == sorted(times) and times[-1] < AS_OF
        assert all(chinese_calendar.is_workday(t.date()) for t in times)
        assert filing.updated_at <= AS_OF and all(e.updated_at <= AS_OF for e in filing.events)
        steps = [e.step for e in filing.events]
        assert (filing.accepted_at is not None) == (EventStep.ACCEPT in steps)
        assert (filing.completed_at is not None) == (filing.status not in OPEN)
        assert (filing.outcome is not None) == (
            filing.status in (FilingStatus.APPROVED, FilingStatus.REJECTED)
        )
        if filing.project is None:
            continue
        assert filing.project.registered_at <= filing.submitted_at
        for code in filing.matter.prerequisites:
            if (filing.project_code, code) in approved_at:
                assert approved_at[(filing.project_code, code)] < filing.submitted_at
        late = is_overdue(filing, AS_OF, calendar)
        assert late == filing.overdue
        waiting = filing.completed_at is None and any(c is None for _, c in pauses(filing))
        if filing.accepted_at is not None and not waiting:
            # Counting the acceptance day too changes nothing.
            end = (filing.completed_at or AS_OF).date()
            elapsed = calendar.working_days_between(filing.accepted_at.date(), end)
            suspended = sum(
                calendar.working_days_between(max(opened, filing.accepted_at).date(), closed.date())
                for opened, closed in pauses(filing)
                if closed is not None and closed > filing.accepted_at
            )
            assert (elapsed - suspended + 1 > filing.time_limit_days) == late
    # Idle projects are idle by any reading of "more than two months".
    for days in (59, 60, 61, 62):
        idle = sum(
            1
            for p in data.projects
            if not p.reached_construction and p.last_activity < AS_OF - timedelta(days=days)
        )
        assert idle == expected_counts(1.0).idle_projects
    assert {f.status for f in data.filings} == set(FilingStatus)


async def test_a_sync_stores_exactly_the_expected_rows_and_rejects(tmp_path: Path) -> None:
    store, orphans = await sync_demo(build_demo(tmp_path, scale=SMALL))
    try:
        assert orphans == ORPHAN_FILINGS
        async with store.read() as conn:
            stored = {
                name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                for name, table in tables.entity_tables.items()
            }
            rejects = Counter(
                (row.connector, row.entity)
                for row in (await conn.execute(select(tables.rejects))).all()
            )
        assert stored.pop("division") == len(hub_config()["divisions"])  # configured
        assert stored == expected_counts(SMALL).store()
        assert rejects == Counter(
            {(source, entity): n for source, per in REJECTS.items() for entity, n in per.items()}
        )
    finally:
        await store.dispose()
