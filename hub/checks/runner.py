"""The data-check pass: runs the enabled rules, stores what they find, and logs each finding's
opening and closing as a change (op ``finding``), under the department responsible, so that a
department subscribes to its own findings like to any other change (as ``hub.sla_alerts`` does
for time-limit alerts).

A finding is the same from one pass to the next while its rule, entity and key are: it stays
open (``last_seen`` moves), and closes by itself (``resolved_at``) on the first pass that no
longer finds it, e.g. after a later sync made the data consistent. A rule switched off in
``[checks]`` closes its open findings, since nothing checks them any more. The pass holds the
change-log lock throughout and commits the table and the log together, so passes run at once
on two instances or repeated append nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from hub import tables
from hub.changelog import ChangeLog, ChangeRecord, Provenance
from hub.checks.base import CheckContext, CheckRule, Finding, Severity
from hub.checks.registry import rules as known_rules
from hub.clock import utcnow
from hub.config import ChecksConfig, HubConfig
from hub.entities import FINDING_FIELD
from hub.runs import RunReport
from hub.sla import china_today

log = logging.getLogger("hub.checks")
CONNECTOR = "checks"  # the change log's source name for findings
OP = "finding"
_CHUNK = 1000  # ids per UPDATE ... IN (...)
FIELD = FINDING_FIELD


@dataclass(slots=True)
class CheckReport:
    """What one pass did: findings opened and closed per rule, and open after it."""

    as_of: date
    opened: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)
    open: Counter[str] = field(default_factory=Counter)

    @property
    def appended(self) -> int:
        return sum(self.opened.values()) + sum(self.closed.values())


def enabled_rules(config: ChecksConfig) -> list[CheckRule]:
    """The rules a pass runs: every known one not switched off."""
    return [rule for name, rule in known_rules().items() if name not in config.disabled]


def severity_of(rule: CheckRule, config: ChecksConfig) -> Severity:
    """The rule's severity, re-graded by ``[checks] severity`` if the config says so."""
    graded = config.severity.get(rule.name)
    return rule.severity if graded is None else Severity(graded)


def _event(finding: Mapping[str, Any]) -> dict[str, Any]:
    """A finding as its change event carries it."""
    return {
        "rule": finding["rule"],
        "severity": finding["severity"],
        "message": finding["message"],
        "details": finding["details"],
    }


def _opening(entity: str, key: str, project: str | None, said: dict[str, Any]) -> ChangeRecord:
    """The change event of a finding opened about a record."""
    return ChangeRecord.derived(OP, entity, key, project, FIELD, None, said)


def _closing(entity: str, key: str, project: str | None, said: dict[str, Any]) -> ChangeRecord:
    """The change event of a finding closed."""
    return ChangeRecord.derived(OP, entity, key, project, FIELD, said, None)


def _said(finding: Finding | Any) -> dict[str, Any]:
    """What a finding says beyond its identity (a ``Finding`` or a stored row)."""
    return {
        "project_code": finding.project_code,
        "department_code": finding.department_code,
        "message": finding.message,
        "details": dict(finding.details) if finding.details is not None else {},
    }


class DataChecks:
    """Runs data-check passes over one store (see the module docstring); ``business_day``
    gives the day a pass judges when none is given (the supervision's)."""

    def __init__(
        self,
        changelog: ChangeLog,
        config: HubConfig,
        rules: Sequence[CheckRule] | None = None,
        business_day: Callable[[], date] | None = None,
    ) -> None:
        self.changelog = changelog
        self.config = config
        self.rules = list(enabled_rules(config.checks) if rules is None else rules)
        self.business_day = business_day or (lambda: china_today(utcnow()))
        self.last_report: CheckReport | None = None

    async def after_sync(self, run: RunReport) -> None:
        """A pass right after a sync run, before it returns (``SyncEngine``'s ``after_run``;
        the runtime defers it with ``PassesAfterSync`` instead)."""
        await self.after_sync_pass()

    async def after_sync_pass(self) -> None:
        """A pass whose failure is logged, never the sync's."""
        try:
            await self.run()
        except Exception:  # the sync's data is committed; the scheduled pass retries
            log.exception("data checks after a sync failed")

    async def run(self, as_of: date | None = None, now: datetime | None = None) -> CheckReport:
        now = now or utcnow()
        report = CheckReport(as_of or self.business_day())
        as_of = report.as_of
        table = tables.findings
        store = self.changelog.store
        async with self.changelog.write() as transaction:
            conn = transaction.conn
            # Held until commit: a pass on another instance waits, then finds nothing new.
            await store.serialize_changes(conn)
            ctx = CheckContext(store, conn, self.config, as_of, now)
            found: dict[tuple[str, str, str], tuple[Finding, Severity]] = {}
            for rule in self.rules:
                severity = severity_of(rule, self.config.checks)
                for finding in await rule.run(ctx):
                    found[finding.identity] = (finding, severity)
            stored = {
                (row.rule, row.entity, row.entity_key): row
                for row in await conn.execute(select(table).where(table.c.resolved_at.is_(None)))
            }
            events: dict[str | None, list[ChangeRecord]] = defaultdict(list)
            opened: list[dict[str, Any]] = []
            restated: list[tuple[int, dict[str, Any]]] = []
            for identity, (finding, severity) in found.items():
                report.open[finding.rule] += 1
                if identity in stored:
                    before = stored[identity]
                    now_said = _said(finding)
                    if _said(before) != now_said:
                        restated.append((before.id, now_said))
                    if before.department_code != finding.department_code:
                        # Whose it is changed (its record's department arrived with a later
                        # sync): it leaves the old department's feed and enters the new one's.
                        old = _event(dict(before._mapping))
                        events[before.department_code].append(
                            _closing(finding.entity, finding.key, before.project_code, old)
                        )
                        new = {**old, "message": finding.message, "details": now_said["details"]}
                        events[finding.department_code].append(
                            _opening(finding.entity, finding.key, finding.project_code, new)
                        )
                    continue
                values: dict[str, Any] = {
                    "rule": finding.rule,
                    "severity": severity.value,
                    "entity": finding.entity,
                    "entity_key": finding.key,
                    "project_code": finding.project_code,
                    "department_code": finding.department_code,
                    "message": finding.message,
                    "details": dict(finding.details),
                    "first_seen": now,
                    "last_seen": now,
                }
                opened.append(values)
                report.opened[finding.rule] += 1
                events[finding.department_code].append(
                    _opening(finding.entity, finding.key, finding.project_code, _event(values))
                )
            gone = [row for identity, row in stored.items() if identity not in found]
            for row in gone:
                report.closed[row.rule] += 1
                events[row.department_code].append(
                    _closing(
                        row.entity, row.entity_key, row.project_code, _event(dict(row._mapping))
                    )
                )
            ids = [row.id for row in gone]
            for start in range(0, len(ids), _CHUNK):
                await conn.execute(
                    update(table)
                    .where(table.c.id.in_(ids[start : start + _CHUNK]))
                    .values(resolved_at=now)
                )
            # Whatever is still open now was found again (the gone ones are closed).
            await conn.execute(
                update(table).where(table.c.resolved_at.is_(None)).values(last_seen=now)
            )
            for rule in self.rules:
                graded = severity_of(rule, self.config.checks).value
                await conn.execute(
                    update(table)
                    .where(
                        table.c.resolved_at.is_(None),
                        table.c.rule == rule.name,
                        table.c.severity != graded,
                    )
                    .values(severity=graded)
                )
            for finding_id, said in restated:
                await conn.execute(update(table).where(table.c.id == finding_id).values(**said))
            if opened:
                await conn.execute(table.insert(), opened)
            for department, records in sorted(events.items(), key=lambda i: i[0] or ""):
                await transaction.append(records, Provenance(CONNECTOR, department, None), now)
        self.last_report = report
        if report.appended:
            log.info(
                "data checks %s: opened %s, closed %s",
                as_of,
                dict(report.opened),
                dict(report.closed),
            )
        return report


class PassesAfterSync:
    """Data-check passes after sync runs, in the background of the process, so that a sync
    returns (and reports) as soon as its data is committed: a run asks for a pass
    (``request``, the engine's ``after_run``) and runs finishing while a pass runs ask for one
    more, not one each. On exit a pass asked for, or cut short, runs before the block ends (a
    ``hub sync`` exits right after its run)."""

    def __init__(self, checks: DataChecks) -> None:
        self.checks = checks
        self._due = asyncio.Event()
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def request(self, run: RunReport) -> None:
        self._due.set()

    async def _loop(self) -> None:
        while True:
            await self._due.wait()
            self._due.clear()
            self._running = True
            await self.checks.after_sync_pass()
            self._running = False

    async def __aenter__(self) -> PassesAfterSync:
        self._task = asyncio.create_task(self._loop(), name="data checks after sync")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._due.is_set() or self._running:
            await self.checks.after_sync_pass()
