"""A demo department system declared once: its tables (each column with the department's own name
and type, where the demo's value comes from and the hub field it maps to), its code tables (代码表)
and its quirks. Both the system's SQLite database (``System.write``) and its connector section of
hub.toml (``System.connector``) come from that one declaration. Also here: planted bad rows, the
SQLite writer and the value formats several systems share."""

from __future__ import annotations

import enum
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from hub.demo.dataset import Dataset
from hub.entities import EventStep

SCHEDULE = "*/10 * * * *"

Rows = tuple[Sequence[str], Iterable[Sequence[Any]]]  # column names, rows in that order


class Record(NamedTuple):
    """What one row is written from: the item (a filing, one of its events or its outcome, a
    project, a code ...) and the filing it belongs to (None outside filings)."""

    filing: Any
    item: Any


Records = Callable[[Dataset, str], Iterable[Record]]  # the rows of a table, from the system name
Value = Callable[[Record], Any]


def filings(data: Dataset, system: str) -> list[Record]:
    return [Record(f, f) for f in data.filings_of(system)]


def events(data: Dataset, system: str) -> list[Record]:
    return [Record(f, e) for f, e in data.events_of(system)]


def outcomes(data: Dataset, system: str) -> list[Record]:
    found = [Record(f, f.outcome) for f in data.filings_of(system) if f.outcome is not None]
    return sorted(found, key=lambda r: r.item.native_id)


_ENTITY_RECORDS: Mapping[str, Records] = {
    "filing": filings,
    "process_event": events,
    "outcome": outcomes,
}


def native_id(record: Record) -> int:
    return int(record.item.native_id)


def filing_matter(record: Record) -> str:
    """The matter code of the row's filing."""
    return str(record.filing.matter.code)


def filing_project(record: Record) -> str:
    """The project code of the row's filing (events and outcomes repeat it)."""
    return str(record.filing.project_code)


def filing_project_name(record: Record) -> str | None:
    """The name of the row's filing's project (None for an orphan: its project is unknown)."""
    project = record.filing.project
    return None if project is None else str(project.name)


@dataclass(frozen=True, slots=True)
class Codes:
    """A department's codes for one of the hub's enums, with their Chinese names, and the hub.toml
    value map that translates them (``read_from``: the hub reads the map from the source)."""

    map: str
    members: Mapping[enum.Enum, tuple[Any, str]]
    read_from: Mapping[str, str] | None = None

    def code(self, member: enum.Enum) -> Any:
        return self.members[member][0]

    def value_map(self) -> dict[str, str]:
        if self.read_from is not None:
            return dict(self.read_from)
        return {str(code): member.value for member, (code, _) in self.members.items()}


# What most departments call the steps; where one names a step otherwise, its codes say so.
STEP_NAMES = {
    EventStep.ACCEPT: "受理",
    EventStep.HANDLE: "承办",
    EventStep.REVIEW: "审核",
    EventStep.DECIDE: "审批",
    EventStep.SUPPLEMENT_REQUESTED: "补正告知",
    EventStep.SUPPLEMENT_RECEIVED: "补正接收",
    EventStep.SPECIAL_PROCEDURE_STARTED: "特别程序开始",
    EventStep.SPECIAL_PROCEDURE_ENDED: "特别程序结束",
    EventStep.COMPLETE: "办结",
}


def step_codes(map_: str, codes: Sequence[Any] | None = None, **renamed: str) -> Codes:
    """A department's step codes in the order of ``EventStep``, named as in ``STEP_NAMES`` but
    for the steps it ``renamed`` (by member name). Without ``codes`` the department stores the
    names themselves."""
    names = {**STEP_NAMES, **{EventStep[member]: name for member, name in renamed.items()}}
    stored = [names[s] for s in EventStep] if codes is None else codes
    return Codes(map_, {s: (c, names[s]) for s, c in zip(EventStep, stored, strict=True)})


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a department table: its name and type there, the demo's value for a row, and
    the hub field it maps to (None: the hub does not read it) with the mapping (default: the
    column itself)."""

    name: str
    type: str
    value: Value
    hub_field: str | None = None
    mapping: str | Mapping[str, Any] | None = None
    codes: Codes | None = None

    @property
    def field_mapping(self) -> str | Mapping[str, Any]:
        return self.name if self.mapping is None else self.mapping


def _reader(attribute: str, fmt: Callable[[Any], Any] | None) -> Value:
    read = attrgetter(attribute)
    if fmt is None:
        return lambda r: read(r.item)
    return lambda r: fmt(read(r.item))


def own(
    name: str, type_: str, hub_field: str, fmt: Callable[[Any], Any] | None = None, **hints: Any
) -> Column:
    """A column holding the item's ``hub_field`` (formatted by ``fmt``); ``hints`` (formats,
    split) tell the hub how to read it back."""
    mapping = {"column": name, **hints} if hints else None
    return Column(name, type_, _reader(hub_field, fmt), hub_field, mapping)


def unmapped(
    name: str, type_: str, attribute: str, fmt: Callable[[Any], Any] | None = None
) -> Column:
    """A column holding the item's ``attribute`` that the hub does not read."""
    return Column(name, type_, _reader(attribute, fmt))


def updated(name: str) -> Column:
    """The row's update time, the cursor of most streams."""
    return unmapped(name, "VARCHAR(19) NOT NULL", "updated_at", iso)


def coded(name: str, type_: str, hub_field: str, codes: Codes) -> Column:
    """A column holding the department's code for the item's ``hub_field``."""
    read = attrgetter(hub_field)
    return Column(
        name,
        type_,
        lambda r: codes.code(read(r.item)),
        hub_field,
        {"column": name, "map": codes.map},
        codes,
    )


def key(name: str, type_: str, prefix: str, value: Value, hub_field: str = "key") -> Column:
    """A column of native ids, which the hub keys as ``prefix`` + id (a department's ids may
    repeat another's)."""
    return Column(name, type_, value, hub_field, {"expr": f"'{prefix}' || {name}"})


def signed(
    holder: str, digest: str, signature: str, key_id: str, algorithm: str
) -> tuple[Column, ...]:
    """The signed certificate's columns every department's outcome table has, under the
    system's own names (hub.demo.signing): holder credit code, document sha256, signature,
    key id, algorithm."""
    return (
        own(holder, "VARCHAR(18)", "holder_credit_code"),
        own(digest, "CHAR(64)", "document_sha256"),
        own(signature, "VARCHAR(200)", "signature"),
        own(key_id, "VARCHAR(64)", "signing_key_id"),
        own(algorithm, "VARCHAR(16)", "signature_algorithm"),
    )


@dataclass(frozen=True, slots=True)
class Table:
    """A department table, and the hub stream that reads it when ``entity`` is set."""

    name: str
    columns: Sequence[Column]
    entity: str | None = None
    cursor: str | None = None  # the update time (or row version) the stream follows
    indexed: bool = True  # whether the cursor column has an index
    primary_key: Sequence[str] = ()  # default: the first column
    query: str | None = None  # the stream reads this query instead of the table
    fields: Mapping[str, Any] = field(default_factory=dict)  # the query's own fields
    records: Records | None = None  # default: the system's filings, events or outcomes
    # Another department's filings (a copy the system keeps): its stream names no department.
    foreign: bool = False
    stream_name: str | None = None  # default: the entity's name

    def rows_from(self, data: Dataset, system: str) -> list[Record]:
        records = self.records or _ENTITY_RECORDS[str(self.entity)]
        return list(records(data, system))

    def ddl(self) -> str:
        key = self.primary_key or (self.columns[0].name,)
        inline = len(key) == 1
        parts = [
            f"{c.name} {c.type}" + (" PRIMARY KEY" if inline and c.name == key[0] else "")
            for c in self.columns
        ]
        if not inline:
            parts.append(f"PRIMARY KEY ({', '.join(key)})")
        ddl = f"CREATE TABLE {self.name} ({', '.join(parts)});"
        if self.cursor is not None and self.indexed:
            ddl += f"\nCREATE INDEX IX_{self.name}_{self.cursor} ON {self.name} ({self.cursor});"
        return ddl

    def stream(self, department: str | None) -> dict[str, Any]:
        fields = {c.hub_field: c.field_mapping for c in self.columns if c.hub_field}
        fields.update(self.fields)
        if self.entity == "filing" and department is not None and not self.foreign:
            fields["department_code"] = {"default": department}
        source = {"query": self.query} if self.query is not None else {"table": self.name}
        name = {} if self.stream_name is None else {"name": self.stream_name}
        return {**name, "entity": self.entity, **source, "cursor": self.cursor, "fields": fields}


def code_table(
    name: str, codes: Codes, code: tuple[str, str], label: tuple[str, str] = ("MC", "VARCHAR(50)")
) -> Table:
    """A code table of its own: (code, Chinese name) rows, e.g. DM_XMZT(DM, MC)."""
    return Table(
        name,
        (
            Column(code[0], code[1], lambda r: r.item[0]),
            Column(label[0], label[1], lambda r: r.item[1]),
        ),
        records=lambda data, system: [Record(None, pair) for pair in codes.members.values()],
    )


def _nth_item(index: int) -> Value:
    """The demo value of a code row's ``index``-th item (bound now, not when the loop ends)."""
    return lambda r: r.item[index]


def shared_code_table(
    name: str, columns: tuple[tuple[str, str], ...], kinds: Mapping[str, Codes]
) -> Table:
    """One code table for every kind of code: (kind, code, Chinese name) rows, e.g.
    T_CODE(CODE_TYPE, CODE, NAME)."""
    return Table(
        name,
        tuple(Column(column, type_, _nth_item(i)) for i, (column, type_) in enumerate(columns)),
        primary_key=(columns[0][0], columns[1][0]),
        records=lambda data, system: [
            Record(None, (kind, code, label))
            for kind, codes in kinds.items()
            for code, label in codes.members.values()
        ],
    )


@dataclass(frozen=True, slots=True)
class RowVersions:
    """A row version column instead of an update time (like Oracle's ORA_ROWSCN): numbers from
    ``first`` in the order the rows were last written, across every table that has it (as its
    last column)."""

    column: str
    first: int

    def number(self, written: list[tuple[Record, int, list[Any]]]) -> None:
        """Fill the version column, the last, of rows given as (record, table number, row)."""
        written.sort(key=lambda w: (w[0].item.updated_at, w[1], w[0].item.native_id))
        for version, (_, _, row) in enumerate(written, start=self.first):
            row[-1] = version


@dataclass(frozen=True, slots=True)
class System:
    """A department system: its tables, the rows the hub must reject, and its quirks."""

    name: str
    tables: Sequence[Table]
    bad_rows: Sequence[BadRow]
    department: str | None = None  # whose filings these are (None: each row names it)
    views: str = ""  # SQL run after the tables
    versions: RowVersions | None = None

    def schema(self) -> str:
        return "\n".join([*(t.ddl() for t in self.tables), self.views])

    def write(self, path: Path, data: Dataset) -> None:
        tables: dict[str, Rows] = {}
        versioned: list[tuple[Record, int, list[Any]]] = []
        for number, table in enumerate(self.tables):
            records = table.rows_from(data, self.name)
            rows = [[c.value(r) for c in table.columns] for r in records]
            tables[table.name] = ([c.name for c in table.columns], rows)
            if self.versions is not None and table.cursor == self.versions.column:
                versioned += [(r, number, row) for r, row in zip(records, rows, strict=True)]
        if self.versions is not None:
            self.versions.number(versioned)
        write_database(path, self.schema(), tables, self.bad_rows)

    def connector(self) -> dict[str, Any]:
        streams = [t for t in self.tables if t.entity is not None]
        codes = {c.codes.map: c.codes for t in streams for c in t.columns if c.codes is not None}
        department = {} if self.department is None else {"department": self.department}
        return {
            "name": self.name,
            "kind": "sql",
            "url": source_url(self.name),
            **department,
            "schedule": SCHEDULE,
            "value_maps": {name: c.value_map() for name, c in codes.items()},
            "streams": [t.stream(self.department) for t in streams],
        }


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row planted in a source that the hub's sync must reject (it lands in rejects)."""

    entity: str
    table: str
    problem: str
    values: Mapping[str, Any]


def write_database(
    path: Path, schema: str, tables: Mapping[str, Rows], bad_rows: Sequence[BadRow]
) -> None:
    """Write a department database in one go: a fresh file built next to ``path`` and moved over
    it, so a hub reading the old file never sees half of the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(schema)
        with conn:
            for name, (columns, rows) in tables.items():
                conn.executemany(_insert(name, columns), rows)
            for bad in bad_rows:
                columns = list(bad.values)
                conn.execute(_insert(bad.table, columns), [bad.values[c] for c in columns])
    finally:
        conn.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(scratch, path)


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def source_url(name: str) -> str:
    """The source's URL in hub.toml, relative to the config file's folder."""
    return f"sqlite:///sources/{name}.db"


def iso(value: datetime | None) -> str | None:
    """'2014-03-05 14:22:07', the sortable update-time format."""
    return None if value is None else value.isoformat(sep=" ")


def iso_date(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
