"""Schema drift: what changed in a source's columns since the hub last read them.

Types are compared by family (a VARCHAR(40) that becomes VARCHAR(80) or TEXT is still text), so
that only changes which alter the meaning of a value count as drift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_FAMILIES = {
    "text": ("CHAR", "VARCHAR", "NVARCHAR", "NCHAR", "TEXT", "CLOB", "STRING", "LONGTEXT",
             "MEDIUMTEXT", "TINYTEXT", "CHARACTER VARYING", "CHARACTER", "VARCHAR2", "NVARCHAR2"),
    "integer": ("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT", "SERIAL"),
    "number": ("NUMERIC", "DECIMAL", "FLOAT", "REAL", "DOUBLE", "DOUBLE PRECISION", "NUMBER"),
    "datetime": ("DATETIME", "TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE",
                 "TIMESTAMP WITH TIME ZONE"),
    "date": ("DATE",),
}  # fmt: skip
_FAMILY_OF = {name: family for family, names in _FAMILIES.items() for name in names}
_PARAMETERS = re.compile(r"\(.*?\)")


def type_family(type_name: str) -> str:
    """``VARCHAR(40) COLLATE "x"`` -> ``text``; unknown names stand for themselves."""
    base = _PARAMETERS.sub("", type_name).upper().split(" COLLATE ")[0].strip()
    return _FAMILY_OF.get(base, base)


@dataclass(frozen=True, slots=True)
class Drift:
    column: str
    before: str
    after: str | None  # None: the column is gone

    def describe(self) -> str:
        if self.after is None:
            return f"column {self.column!r} ({self.before}) disappeared"
        return f"column {self.column!r} changed type from {self.before} to {self.after}"


def find_drift(
    columns: list[str], before: Mapping[str, str], now: Mapping[str, str]
) -> list[Drift]:
    """Drift of the mapped ``columns`` between two readings of a source's types (names match
    without regard to case; a type unknown on either side, as for query streams, never drifts)."""
    before_by_name = {name.lower(): kind for name, kind in before.items()}
    now_by_name = {name.lower(): kind for name, kind in now.items()}
    drift: list[Drift] = []
    for column in columns:
        old = before_by_name.get(column.lower())
        if old is None:
            continue
        new = now_by_name.get(column.lower())
        if new is None:
            drift.append(Drift(column, old or "?", None))
        elif old and new and type_family(old) != type_family(new):
            drift.append(Drift(column, old, new))
    return drift
