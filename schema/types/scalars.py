"""Scalars and value conversions shared by the types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from strawberry.scalars import JSON

__all__ = ["JSON", "columns", "utc"]


def columns(row: Any) -> Mapping[str, Any]:
    """A row's values by column name: a SQLAlchemy row's mapping (reading it is a few times
    faster than reading the row's attributes, which a list page does for every field of every
    row) or a namespace's attributes (``schema.as_of`` rebuilds rows as namespaces)."""
    mapping = getattr(row, "_mapping", None)
    return mapping if mapping is not None else vars(row)


def utc(value: datetime | None) -> datetime | None:
    """The store keeps naive UTC datetimes; the API shows them timezone-aware."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
