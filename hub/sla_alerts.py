"""督办: a filing turning yellow (DUE_SOON) or red (OVERDUE), and leaving it, as a change event.

``SlaAlerts.run(as_of)`` reads every filing's clock as of the business day (``hub.sla``), compares
it with the alert each filing was last in (table ``sla_alerts``) and, in the same transaction,
updates that table and appends one change per transition: entity ``filing``, field
``sla_state``, op ``sla``, old and new state (null outside an alert; the state it moved to when
it leaves one), under the handling department, so departments and supervisors receive alerts
through the same subscriptions and signed webhooks as every other change. The table and the log
commit together, and the run holds the change-log lock throughout, so a run repeated, run on two
instances at once or killed half way appends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, delete, func, select

from hub import tables
from hub.changelog import ChangeLog, ChangeRecord, Provenance
from hub.clock import utcnow
from hub.entities import FILING
from hub.sla import FilingClock, SlaState

ALERT_STATES = frozenset({SlaState.DUE_SOON.value, SlaState.OVERDUE.value})
CONNECTOR = "supervision"  # the change log's source name for the hub's own conclusions
OP = "sla"
FIELD = FILING.derived_fields[0]  # sla_state


@dataclass(slots=True)
class AlertReport:
    """What one run found: transitions by the state moved to."""

    as_of: date
    transitions: dict[str, int] = field(default_factory=dict)

    @property
    def appended(self) -> int:
        return sum(self.transitions.values())


class SlaAlerts:
    """Finds time-limit transitions as of a business day and logs each exactly once."""

    def __init__(self, changelog: ChangeLog, clock: FilingClock) -> None:
        self.changelog = changelog
        self.clock = clock

    async def run(self, as_of: date, now: datetime | None = None) -> AlertReport:
        now = now or utcnow()
        report = AlertReport(as_of)
        f, m, alerts = tables.filings, tables.matters, tables.sla_alerts
        store = self.changelog.store
        async with self.changelog.write() as transaction:
            conn = transaction.conn
            # Held until commit: a second run (another instance) waits, then finds nothing new.
            await store.serialize_changes(conn)
            clock = self.clock.table(as_of)
            stored = {
                key: state
                for key, state in await conn.execute(select(alerts.c.filing_key, alerts.c.state))
            }
            current = await conn.execute(
                select(
                    clock.c.key,
                    clock.c.state,
                    f.c.project_code,
                    func.coalesce(f.c.department_code, m.c.department_code),
                )
                .select_from(
                    clock.join(f, f.c.key == clock.c.key).outerjoin(
                        m, and_(m.c.code == f.c.matter_code, m.c.deleted_at.is_(None))
                    )
                )
                .where(
                    clock.c.state.in_(sorted(ALERT_STATES))
                    | clock.c.key.in_(select(alerts.c.filing_key))
                )
            )
            by_department: dict[str | None, list[ChangeRecord]] = defaultdict(list)
            entered: list[dict[str, object]] = []
            moved: list[str] = []
            seen: set[str] = set()
            for key, state, project_code, department in current:
                seen.add(key)
                before = stored.get(key)
                if state == before:
                    continue
                if state in ALERT_STATES:
                    entered.append(
                        {"filing_key": key, "state": state, "as_of": as_of, "since": now}
                    )
                if before is not None:
                    moved.append(key)
                by_department[department].append(
                    ChangeRecord.derived(OP, "filing", key, project_code, FIELD, before, state)
                )
                report.transitions[state] = report.transitions.get(state, 0) + 1
            # A filing gone from the store (deleted at its source) leaves its alert too.
            for key in sorted(set(stored) - seen):
                moved.append(key)
                by_department[None].append(
                    ChangeRecord.derived(OP, "filing", key, None, FIELD, stored[key], None)
                )
                report.transitions["GONE"] = report.transitions.get("GONE", 0) + 1
            if moved:
                await conn.execute(delete(alerts).where(alerts.c.filing_key.in_(moved)))
            if entered:
                await conn.execute(alerts.insert(), entered)
            for department, records in sorted(by_department.items(), key=lambda i: i[0] or ""):
                await transaction.append(records, Provenance(CONNECTOR, department, None), now)
        return report
