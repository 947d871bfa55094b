"""What every demo source module shares: planted bad rows, the SQLite writer and value
formatting."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

SCHEDULE = "*/10 * * * *"

Rows = tuple[Sequence[str], Iterable[Sequence[Any]]]  # column names, rows in that order


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
        columns_of: dict[str, Sequence[str]] = {}
        with conn:
            for name, (columns, rows) in tables.items():
                columns_of[name] = columns
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


def code_rows(codes: Mapping[str, str]) -> list[tuple[str, str]]:
    return list(codes.items())
