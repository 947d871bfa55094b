"""Sync health: per connector the runs that started in the week, those that failed, the rows
read and rejected, and the lag at the week's end since its last successful run; a source with
no success for ``STALE_HOURS`` is stale. Runs are read as ``syncRuns(filter)`` reads them; they
are counted by when they really ran (so a demo synced today has none in 2014)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.clock import utcnow
from schema.report.base import Column, Figure, Period, ReportInputs, Section, SectionResult, Table
from schema.types.sync_run import SyncRunFilter, SyncRunState, sync_runs_query

STALE_HOURS = 48


def _end(period: Period) -> datetime:
    return min(period.week.ends_utc(), utcnow())


async def connector_health(inputs: ReportInputs, period: Period) -> dict[str, dict[str, Any]]:
    """Connector -> its runs, failures, rows, rejects, lag (hours) and staleness in ``period``."""
    end = _end(period)
    start = period.week.starts().astimezone(UTC) - timedelta(microseconds=1)
    within = SyncRunFilter(started_after=start, started_before=end.replace(tzinfo=UTC))
    succeeded = SyncRunFilter(state=SyncRunState.SUCCEEDED, started_before=end.replace(tzinfo=UTC))
    async with inputs.store.read() as conn:
        runs = (await conn.execute(sync_runs_query(within))).all()
        successes = (await conn.execute(sync_runs_query(succeeded))).all()

    def fresh() -> dict[str, Any]:
        return {"runs": 0, "failed": 0, "rows_read": 0, "rows_rejected": 0, "last_success": None}

    # The configured connectors, and any other that ran in the week.
    health = {name: fresh() for name in inputs.connectors}
    for run in runs:
        entry = health.setdefault(run.connector, fresh())
        entry["runs"] += 1
        entry["failed"] += run.state == SyncRunState.FAILED.value
        entry["rows_read"] += run.rows_read
        entry["rows_rejected"] += run.rows_rejected
    for run in successes:
        if run.connector not in health:
            continue
        entry = health[run.connector]
        finished = run.finished_at or run.started_at
        if entry["last_success"] is None or finished > entry["last_success"]:
            entry["last_success"] = finished
    for entry in health.values():
        last = entry["last_success"]
        entry["lag_hours"] = None if last is None else round((end - last).total_seconds() / 3600, 1)
        entry["stale"] = last is None or entry["lag_hours"] > STALE_HOURS
    return health


class SyncHealth(Section):
    key = "sync"
    title = "Sync health of the departments' sources (数据同步)"

    async def build(self, inputs: ReportInputs) -> SectionResult:
        now = await connector_health(inputs, inputs.current)
        before = await connector_health(inputs, inputs.previous)

        def total(health: dict[str, dict[str, Any]], measure: str) -> int:
            return sum(int(entry[measure]) for entry in health.values())

        figures = [
            Figure(measure, label, total(now, measure), total(before, measure))
            for measure, label in (
                ("runs", "Sync runs this week"),
                ("failed", "Failed runs"),
                ("rows_rejected", "Rows rejected"),
                ("stale", f"Stale sources (no successful sync for {STALE_HOURS} h)"),
            )
        ]
        rows = []
        for name in sorted(now):
            entry, previous = now[name], before.get(name, {})
            last = entry["last_success"]
            rows.append(
                {
                    "connector": name,
                    "runs": entry["runs"],
                    "runs_previous": previous.get("runs", 0),
                    "failed": entry["failed"],
                    "failed_previous": previous.get("failed", 0),
                    "rows_read": entry["rows_read"],
                    "rows_rejected": entry["rows_rejected"],
                    "rows_rejected_previous": previous.get("rows_rejected", 0),
                    "last_success": None if last is None else f"{last:%Y-%m-%d %H:%M} UTC",
                    "lag_hours": entry["lag_hours"],
                    "stale": "stale" if entry["stale"] else "ok",
                }
            )
        table = Table(
            "connectors",
            "By connector",
            [
                Column("connector", "Connector"),
                Column("runs", "Runs", compared=True),
                Column("failed", "Failed", compared=True),
                Column("rows_read", "Rows read"),
                Column("rows_rejected", "Rejected", compared=True),
                Column("last_success", "Last success"),
                Column("lag_hours", "Lag (h)"),
                Column("stale", "State"),
            ],
            rows,
        )
        return SectionResult(self.key, self.title, True, None, figures, [table])
