"""Scalars and value conversions shared by the types."""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry.scalars import JSON

__all__ = ["JSON", "utc"]


def utc(value: datetime | None) -> datetime | None:
    """The store keeps naive UTC datetimes; the API shows them timezone-aware."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
