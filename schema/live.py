"""The one rule every read of entity rows follows: soft-deleted rows are never shown."""

from __future__ import annotations

from sqlalchemy import FromClause
from sqlalchemy.sql.elements import ColumnElement


def live(table: FromClause) -> ColumnElement[bool]:
    """Rows not soft-deleted (of an entity table or an alias of one)."""
    return table.c.deleted_at.is_(None)
