"""Each data-check rule on a small store (SQLite and PostgreSQL): it finds its planted
violation and nothing in the consistent rows beside it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hub import tables
from hub.changelog import ChangeLog
from hub.checks.base import CheckContext
from hub.checks.prerequisites import prerequisite_states
from hub.checks.registry import rule
from hub.checks.runner import DataChecks
from hub.store import Store
from tests.hub.checks.seed import NOW, PROJECT, catalogue, config, filing, outcome, project, put

pytestmark = pytest.mark.anyio
AS_OF = date(2014, 12, 31)
OTHER = "2014-440300-47-01-000002"


async def found(store: Store, name: str, **checks: object) -> dict[str, str]:
    """Key -> message of what rule ``name`` finds now."""
    async with store.read() as conn:
        ctx = CheckContext(store, conn, config(**checks), AS_OF, NOW)
        return {f.key: f.message for f in await rule(name).run(ctx)}


@pytest.fixture
async def consistent(store: Store) -> Store:
    """A project with its planning permit and a construction permit filed after it."""
    await catalogue(store)
    await project(store, status="UNDER_CONSTRUCTION")
    await filing(store, "PLAN", "GHJ-001", connector="ghj", department_code="GHJ")
    await outcome(store, "PLAN-O", "PLAN", document_number="深规许2014-1", connector="ghj")
    await filing(
        store,
        "BUILD",
        "ZJJ-007",
        submitted=date(2014, 4, 1),
        accepted=date(2014, 4, 2),
        completed=date(2014, 4, 10),
        department_code="ZJJ",
    )
    await outcome(store, "BUILD-O", "BUILD", issued=date(2014, 4, 10), document_number="施2014-1")
    return store


async def test_consistent_rows_raise_no_finding(consistent: Store) -> None:
    checks = config(construction_permit_matters=["ZJJ-007"], stale_after="100000d")
    report = await DataChecks(ChangeLog(consistent), checks).run(AS_OF, NOW)
    assert dict(report.open) == {"stale_source": 4}  # nothing ever synced in this store


async def test_unknown_codes(consistent: Store) -> None:
    await filing(
        consistent,
        "ODD",
        "XXX-001",
        department_code="NOPE",
        status="SUBMITTED",
        accepted=None,
        completed=None,
    )
    assert await found(consistent, "unknown_matter_code") == {"ODD": "unknown matter code XXX-001"}
    assert await found(consistent, "unknown_department_code") == {
        "ODD": "unknown department code NOPE"
    }


async def test_filing_before_its_project(consistent: Store) -> None:
    await filing(
        consistent,
        "EARLY",
        "GHJ-001",
        submitted=date(2013, 12, 30),
        accepted=None,
        completed=None,
        status="SUBMITTED",
    )
    assert await found(consistent, "filing_before_project") == {
        "EARLY": "submitted before its project was registered"
    }


async def test_events_out_of_order(consistent: Store) -> None:
    await filing(
        consistent, "BACKWARDS", "GHJ-001", accepted=date(2014, 3, 20), completed=date(2014, 3, 10)
    )
    await filing(consistent, "UNASKED", "GHJ-001", status="IN_PROGRESS", completed=None)
    await put(
        consistent,
        "process_event",
        {
            "key": "E1",
            "filing_key": "UNASKED",
            "step": "SUPPLEMENT_RECEIVED",
            "occurred_at": NOW - timedelta(days=200),
        },
    )
    assert await found(consistent, "events_out_of_order") == {
        "BACKWARDS": "completed before it was accepted",
        "UNASKED": "a supplement received (or special procedure ended) before it was requested "
        "(started)",
    }


async def test_status_contradicting_outcome(consistent: Store) -> None:
    await filing(consistent, "NO-DOC", "GHJ-001")
    await filing(consistent, "STILL-OPEN", "GHJ-001", status="IN_PROGRESS", completed=None)
    await outcome(consistent, "EARLY-O", "STILL-OPEN")
    await filing(consistent, "REFUSED", "GHJ-001", status="REJECTED")
    await outcome(consistent, "REFUSED-O", "REFUSED", decision="REJECTED")
    assert await found(consistent, "status_contradicts_outcome") == {
        "NO-DOC": "APPROVED without an approving outcome",
        "STILL-OPEN": "an outcome on a filing still in progress",
    }


async def test_project_status_contradicting_permits(consistent: Store) -> None:
    await project(consistent, OTHER, status="UNDER_CONSTRUCTION")
    await project(consistent, "2014-440300-47-01-000003", status="COMPLETED")
    await project(consistent, "2014-440300-47-01-000004", status="PLANNING")
    settings = {
        "construction_permit_matters": ["ZJJ-007"],
        "completion_acceptance_matters": ["ZJJ-020"],
    }
    assert await found(consistent, "project_status_contradicts_permits", **settings) == {
        OTHER: "UNDER_CONSTRUCTION without an approved construction permit",
        "2014-440300-47-01-000003": "COMPLETED without an approved construction permit",
    }
    assert await found(consistent, "project_status_contradicts_permits") == {}


async def test_duplicate_document_numbers(consistent: Store) -> None:
    await filing(consistent, "COPY", "GHJ-001", project_code=PROJECT)
    await outcome(consistent, "COPY-O", "COPY", document_number="深规许2014-1")
    message = "document number 深规许2014-1 is on other outcomes too"
    assert await found(consistent, "duplicate_document_number") == {
        "PLAN-O": message,
        "COPY-O": message,
    }


async def test_prerequisite_states(consistent: Store) -> None:
    # LATE: accepted before the planning permit of its project was issued.
    await project(consistent, OTHER)
    await filing(consistent, "P2", "GHJ-001", project_code=OTHER, completed=date(2014, 6, 1))
    await outcome(consistent, "P2-O", "P2", issued=date(2014, 6, 1), project_code=OTHER)
    await filing(
        consistent,
        "B2",
        "ZJJ-007",
        project_code=OTHER,
        submitted=date(2014, 5, 1),
        accepted=date(2014, 5, 2),
        completed=None,
        status="IN_PROGRESS",
    )
    # EXPIRED and MISSING, and a filing not yet accepted (judged at the as-of day).
    third, fourth = "2014-440300-47-01-000003", "2014-440300-47-01-000004"
    await project(consistent, third)
    await project(consistent, fourth)
    await filing(consistent, "P3", "GHJ-001", project_code=third)
    await outcome(consistent, "P3-O", "P3", project_code=third, valid_until=date(2014, 4, 30))
    await filing(
        consistent,
        "B3",
        "ZJJ-007",
        project_code=third,
        submitted=date(2014, 5, 1),
        accepted=date(2014, 5, 2),
        completed=None,
        status="IN_PROGRESS",
    )
    await filing(
        consistent,
        "B4",
        "ZJJ-007",
        project_code=fourth,
        submitted=date(2014, 12, 1),
        accepted=None,
        completed=None,
        status="SUBMITTED",
    )
    states = prerequisite_states(consistent, AS_OF)
    async with consistent.read() as conn:
        rows = {
            r.filing_key: (r.required_code, r.state, r.outcome_key)
            for r in await conn.execute(select(states))
        }
    assert rows == {
        "BUILD": ("GHJ-001", "SATISFIED", "PLAN-O"),
        "B2": ("GHJ-001", "SATISFIED_LATE", "P2-O"),
        "B3": ("GHJ-001", "EXPIRED", "P3-O"),
        "B4": ("GHJ-001", "MISSING", None),
    }
    assert await found(consistent, "prerequisite_violation") == {
        "B2": "accepted while GHJ-001 was SATISFIED_LATE",
        "B3": "accepted while GHJ-001 was EXPIRED",
    }


async def test_a_catalogue_change_counts_at_once(consistent: Store) -> None:
    """The prerequisites are read from the stored catalogue: no rebuild, no restart."""
    await filing(
        consistent,
        "EXTRA",
        "GHJ-001",
        submitted=date(2014, 2, 1),
        accepted=date(2014, 2, 2),
        completed=date(2014, 2, 20),
    )
    await outcome(consistent, "EXTRA-O", "EXTRA", issued=date(2014, 2, 20))
    assert await found(consistent, "prerequisite_violation") == {}
    async with consistent.write() as conn:
        m = tables.matters
        await conn.execute(
            m.update().where(m.c.code == "GHJ-001").values(prerequisites=["ZJJ-007"])
        )
    assert set(await found(consistent, "prerequisite_violation")) == {"PLAN", "EXTRA"}


async def test_stale_sources(consistent: Store) -> None:
    runs = tables.sync_runs
    async with consistent.write() as conn:
        await conn.execute(
            runs.insert(),
            [
                {
                    "connector": "ghj",
                    "mode": "full",
                    "state": "succeeded",
                    "started_at": NOW - timedelta(hours=3),
                    "finished_at": NOW - timedelta(hours=2),
                },
                {
                    "connector": "zjj",
                    "mode": "full",
                    "state": "succeeded",
                    "started_at": NOW - timedelta(days=3),
                    "finished_at": NOW - timedelta(days=3),
                },
                {
                    "connector": "fgw",
                    "mode": "full",
                    "state": "failed",
                    "started_at": NOW - timedelta(hours=1),
                    "finished_at": NOW - timedelta(hours=1),
                },
            ],
        )
    stale = await found(
        consistent, "stale_source", stale_after="1d", stale_after_for={"platform": "1000d"}
    )
    assert stale == {
        "zjj": "last synced 2014-12-29 02:00 UTC; expected at least every 1d",
        "fgw": "never synced successfully; expected at least every 1d",
        "platform": "never synced successfully; expected at least every 1000d",
    }


async def test_codes_are_not_judged_before_any_catalogue_arrived(store: Store) -> None:
    await project(store)
    await filing(store, "EARLY-SYNC", "ZJJ-007", department_code="ZJJ")
    assert await found(store, "unknown_matter_code") == {}
    assert await found(store, "unknown_department_code") == {}
