"""The weekly report on each store backend (SQLite and PostgreSQL): every section's SQL runs,
an empty week counts nothing, and sync health counts the runs of the week as ``syncRuns``
lists them, with the lag since the last success at the week's end."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub import tables
from hub.store import Store
from tests.asgi import serve

pytestmark = pytest.mark.anyio

SYNC = """
query {
  weeklyReport(week: "2014-W52") {
    sections { key available figures { key value previous } tables { key rows } }
  }
  syncRuns(filter: {startedAfter: "2014-12-22T00:00:00+08:00",
                    startedBefore: "2014-12-29T00:00:00+08:00"}) {
    nodes { connector state rowsRead rowsRejected }
  }
}
"""


def run(
    connector: str, state: str, started: datetime, read: int, rejected: int
) -> dict[str, object]:
    return {
        "connector": connector,
        "mode": "incremental",
        "state": state,
        "started_at": started,
        "finished_at": started,
        "rows_read": read,
        "rows_rejected": rejected,
    }


async def test_the_report_runs_on_each_store_and_counts_the_weeks_sync_runs(store: Store) -> None:
    async with store.write() as conn:
        await conn.execute(
            tables.sync_runs.insert(),
            [
                run("fgw", "succeeded", datetime(2014, 12, 15, 2), 10, 0),  # W51
                run("fgw", "succeeded", datetime(2014, 12, 22, 2), 30, 2),  # W52, Monday 10:00
                run("fgw", "failed", datetime(2014, 12, 27, 2), 5, 0),
                run("ghj", "failed", datetime(2014, 12, 23, 2), 0, 0),
            ],
        )
    async with serve(store) as client:
        data = await client.data(SYNC)
    sections = {s["key"]: s for s in data["weeklyReport"]["sections"]}
    assert [k for k, s in sections.items() if not s["available"]] == ["findings", "quality"]
    activity = {f["key"]: f["value"] for f in sections["activity"]["figures"]}
    assert set(activity.values()) == {0}  # no project, no filing
    runs = data["syncRuns"]["nodes"]
    sync = {f["key"]: (f["value"], f["previous"]) for f in sections["sync"]["figures"]}
    assert sync["runs"] == (len(runs), 1) == (3, 1)
    assert sync["failed"] == (sum(r["state"] == "FAILED" for r in runs), 0) == (2, 0)
    assert sync["rows_rejected"] == (sum(r["rowsRejected"] for r in runs), 0)
    (table,) = sections["sync"]["tables"]
    rows = {r["connector"]: r for r in table["rows"]}
    # From the last success (Monday 02:00 UTC) to the week's end (Sunday 16:00 UTC): 6 d 14 h.
    assert rows["fgw"]["lag_hours"] == 158.0 and rows["fgw"]["stale"] == "stale"
    assert rows["ghj"]["last_success"] is None and sync["stale"] == (2, 1)
