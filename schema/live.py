"""The one rule every read of entity rows follows: soft-deleted rows are never shown."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.sql.elements import ColumnElement


def live(table: Table) -> ColumnElement[bool]:
    """Rows not soft-deleted."""
    return table.c.deleted_at.is_(None)
