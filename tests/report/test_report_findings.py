"""The findings sections of a week the data checks ran in: new and closed are the findings first
seen and resolved within it, open are those open at its end, each against the week before, and
no note (the demo's weeks, before its checks first ran, are in test_weekly_report.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import update

from hub import tables
from hub.changelog import ChangeLog
from hub.checks.registry import rule
from hub.checks.runner import DataChecks
from hub.store import Store
from hub.weeks import IsoWeek
from schema.report.sections.findings import Authenticity, Findings
from schema.report.weekly import build_weekly_report, report_scope
from tests.hub.checks.seed import catalogue, config, filing, project

pytestmark = pytest.mark.anyio
WEEK = IsoWeek.parse("2014-W52")  # 2014-12-22 .. 2014-12-28


async def nothing() -> None:
    """The change log's wake-up: no feed listens here."""


async def test_new_closed_and_open_findings_of_a_week_the_checks_ran_in(store: Store) -> None:
    await catalogue(store)
    await project(store)
    await filing(store, "F1", "ZJJ-998", status="IN_PROGRESS", completed=None)
    checks = DataChecks(ChangeLog(store, nothing), config(), [rule("unknown_matter_code")])
    await checks.run(date(2014, 12, 17), datetime(2014, 12, 17, 2))  # W51: F1 opens
    await filing(store, "F2", "ZJJ-999", status="IN_PROGRESS", completed=None)
    await checks.run(date(2014, 12, 23), datetime(2014, 12, 23, 2))  # W52: F2 opens
    async with store.write() as conn:  # a later sync corrects F1's matter
        f = tables.filings
        await conn.execute(update(f).where(f.c.key == "F1").values(matter_code="ZJJ-007"))
    await checks.run(date(2014, 12, 24), datetime(2014, 12, 24, 2))  # W52: F1 closes
    await checks.run(date(2014, 12, 30), datetime(2014, 12, 30, 2))  # W01 of 2015: nothing new

    report = await build_weekly_report(
        report_scope(store, config()), WEEK, sections=[Findings(), Authenticity()]
    )
    found, authentic = report.sections
    assert found.note is None
    figures = {f.key: (f.value, f.previous, f.change) for f in found.figures}
    assert figures == {"new": (1, 1, 0), "closed": (1, 0, 1), "open": (1, 1, 0)}
    (zjj,) = found.tables[0].rows
    assert (zjj["department_code"], zjj["department"], zjj["rank"]) == ("ZJJ", "住房建设局", 1)
    assert (zjj["new"], zjj["closed"], zjj["open"], zjj["open_previous"]) == (1, 1, 1, 1)
    (by_rule,) = found.tables[1].rows
    assert (by_rule["rule"], by_rule["new"], by_rule["closed"]) == ("unknown_matter_code", 1, 1)
    # The certificate rules found nothing: zeros, compared (the checks had run by then).
    assert {f.key: (f.value, f.previous) for f in authentic.figures} == {
        "new": (0, 0),
        "closed": (0, 0),
        "open": (0, 0),
    }
    assert authentic.note is None and not authentic.tables[0].rows and not authentic.charts
