"""A source (connector) without a successful sync (or a partial one: some files skipped) within
its expected interval (``[checks] stale_after``, per connector ``stale_after_for``)."""

from __future__ import annotations

from sqlalchemy import func, select

from hub import tables
from hub.checks.base import CheckContext, CheckRule, Finding, Severity
from hub.mapping import json_safe


class StaleSource(CheckRule):
    name = "stale_source"
    description = "A source had no successful sync within its expected interval."
    severity = Severity.WARNING
    entity = "source"

    async def run(self, ctx: CheckContext) -> list[Finding]:
        runs = tables.sync_runs
        query = (
            select(runs.c.connector, func.max(runs.c.finished_at))
            .where(runs.c.state.in_(("succeeded", "partial")))
            .group_by(runs.c.connector)
        )
        last = {name: at for name, at in await ctx.conn.execute(query)}
        found = []
        for connector in ctx.config.connectors:
            if not connector.enabled:
                continue
            expected = ctx.config.checks.stale_after_of(connector.name)
            interval = ctx.config.checks.stale_interval(connector.name)
            at = last.get(connector.name)
            if at is not None and ctx.now - at <= interval:
                continue
            since = (
                "never synced successfully"
                if at is None
                else f"last synced {at:%Y-%m-%d %H:%M} UTC"
            )
            found.append(
                Finding(
                    rule=self.name,
                    entity=self.entity,
                    key=connector.name,
                    department_code=connector.department,
                    message=f"{since}; expected at least every {expected}",
                    details={"lastSuccess": json_safe(at), "interval": expected},
                )
            )
        return found
