"""``project(code, asOf:)``: a project, its filings, process events and outcomes as the hub knew
them at an instant, rebuilt from the change log (``created`` rows carry every value, ``updated``
rows one field, ``deleted``/``restored`` rows the record's presence).

Two statements, whatever the project's size: the changes of rows that name the project, then
those of its events and outcomes that are linked to it only through their filing. The catalogue
(matters, departments) is shown as it is now; provenance shows the connector and time of the
last change before the instant (the change log keeps no source keys, so ``sourceKey`` is the
entity key).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, or_, select

from hub import tables
from hub.entities import ENTITIES, Kind
from hub.policy import SYSTEM, Viewer
from hub.store import Store
from schema.snapshot import Snapshot
from schema.types.filing import Filing
from schema.types.outcome import Outcome
from schema.types.process_event import ProcessEvent
from schema.types.project import Project

_LINKED_BY_FILING = ("process_event", "outcome")


def _value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.DATETIME:
        return datetime.fromisoformat(str(value).removesuffix("Z"))
    if kind is Kind.DATE:
        return date.fromisoformat(str(value))
    return value


class _Records:
    """Folds change rows (in seq order) into the records as they stood."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], dict[str, Any]] = {}
        self.alive: dict[tuple[str, str], bool] = {}
        self.last: dict[tuple[str, str], Any] = {}

    def apply(self, row: Any) -> None:
        ident = (row.entity, row.entity_key)
        if row.op == "created" and isinstance(row.new_value, dict):
            self.values[ident] = dict(row.new_value)
            self.alive[ident] = True
        elif row.op == "updated" and ident in self.values and row.field:
            self.values[ident][row.field] = row.new_value
        elif row.op == "deleted":
            self.alive[ident] = False
        elif row.op == "restored":
            self.alive[ident] = True
        self.last[ident] = row

    def rows(self, entity: str) -> list[SimpleNamespace]:
        """The live records of ``entity`` as rows the types' ``from_row`` accept."""
        spec = ENTITIES[entity]
        found = []
        for (name, key), values in self.values.items():
            if name != entity or not self.alive.get((name, key)):
                continue
            last = self.last[(name, key)]
            typed = {f.name: _value(f.kind, values.get(f.name)) for f in spec.fields}
            found.append(
                SimpleNamespace(
                    **typed,
                    src_connector=last.connector,
                    src_key=key,
                    synced_at=last.recorded_at,
                    deleted_at=None,
                )
            )
        return found


def _seen(
    viewer: Viewer,
    entity: str,
    rows: list[SimpleNamespace],
    full: Callable[[SimpleNamespace], bool],
) -> list[SimpleNamespace]:
    """The ``rows`` the viewer may read, as it reads them (``full``: whether it sees one in
    full), by the rules the viewer's SQL applies to the stored rows."""
    if viewer.unrestricted:
        return rows
    names = ENTITIES[entity].by_name
    seen = []
    for row in rows:
        in_full = full(row)
        if not in_full and not viewer.has_public_view(entity):
            continue
        values = {k: v for k, v in vars(row).items() if k in names}
        seen.append(SimpleNamespace(**(vars(row) | viewer.mask_record(entity, values, in_full))))
    return seen


async def project_as_of(
    store: Store, code: str, instant: datetime, viewer: Viewer = SYSTEM
) -> Project | None:
    """The project ``code`` as the hub knew it at ``instant`` (naive UTC), as ``viewer``
    reads it; None if it did not exist then."""
    c = tables.changes
    records = _Records()
    async with store.read() as conn:
        named = (
            await conn.execute(
                select(c)
                .where(c.c.project_code == code, c.c.recorded_at <= instant)
                .order_by(c.c.seq)
            )
        ).all()
        filing_keys = {row.entity_key for row in named if row.entity == "filing"}
        linked_keys = [
            select(t.c.key).where(t.c.filing_key.in_(filing_keys))
            for t in (tables.process_events, tables.outcomes)
        ]
        linked = (
            await conn.execute(
                select(c)
                .where(
                    c.c.project_code.is_(None),
                    c.c.recorded_at <= instant,
                    or_(
                        *(
                            and_(c.c.entity == entity, c.c.entity_key.in_(keys))
                            for entity, keys in zip(_LINKED_BY_FILING, linked_keys, strict=True)
                        )
                    ),
                )
                .order_by(c.c.seq)
            )
        ).all()
    for change in sorted([*named, *linked], key=lambda r: r.seq):
        records.apply(change)
    projects = records.rows("project")
    if not projects:
        return None
    snapshot = Snapshot(instant=instant)
    # What the viewer may read of them (hub.policy), by the filing each belongs to.
    full_filings = {
        row.key
        for row in records.rows("filing")
        if viewer.filing_full_py(row.department_code, row.matter_code)
    }

    def by_filing(row: SimpleNamespace) -> bool:
        return row.filing_key in full_filings

    filings = sorted(
        _seen(viewer, "filing", records.rows("filing"), lambda row: row.key in full_filings),
        key=lambda r: (r.submitted_at is None, r.submitted_at, r.key),
    )
    snapshot.filings = [Filing.from_row(row, as_of=snapshot) for row in filings]
    known = {filing.key for filing in snapshot.filings}
    events: defaultdict[str, list[ProcessEvent]] = defaultdict(list)
    seen_events = _seen(viewer, "process_event", records.rows("process_event"), by_filing)
    for row in sorted(seen_events, key=lambda r: (r.occurred_at, r.key)):
        if row.filing_key in known:
            events[row.filing_key].append(ProcessEvent.from_row(row))
    snapshot.events = dict(events)
    outcomes = sorted(
        _seen(viewer, "outcome", records.rows("outcome"), by_filing),
        key=lambda r: (r.issued_at is not None, r.issued_at, r.key),
    )
    snapshot.outcomes = [Outcome.from_row(row) for row in outcomes if row.filing_key in known]
    snapshot.outcome = {outcome.filing_key: outcome for outcome in snapshot.outcomes}
    (project,) = _seen(viewer, "project", projects, lambda _: bool(full_filings))
    snapshot.project = Project.from_row(project, as_of=snapshot)
    return snapshot.project
