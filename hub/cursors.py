"""Stream cursors: how they are stored, and how far an incremental read steps back below them.

A cursor is stored as JSON with its type, so that it binds back to the source as the source's
own type (a PostgreSQL timestamp as a datetime, a text column as text). Stepping back by an
overlap window keeps the value's type too; for text timestamps it keeps the text's shape, so
that the source's text comparison still orders correctly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.errors import HubError
from hub.mapping import ConversionError, parse_datetime
from hub.schedules import parse_duration

# Text shapes of timestamps that sort as text in time order.
_TEXT_SHAPES = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d",
)


class OverlapError(HubError, ValueError):
    """Raised when a cursor value cannot be stepped back by the configured overlap."""

    def __init__(self, value: Any, overlap: Any, why: str) -> None:
        super().__init__(f"cannot step cursor {value!r} back by overlap {overlap!r}: {why}")


def encode_cursor(value: Any) -> dict[str, Any]:
    if isinstance(value, datetime):
        return {"type": "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, Decimal):
        return {"type": "decimal", "value": str(value)}
    return {"type": type(value).__name__, "value": value}


def decode_cursor(stored: Mapping[str, Any] | None) -> Any:
    if not stored:
        return None
    kind, value = stored["type"], stored["value"]
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def step_back(value: Any, overlap: str | int | float | None) -> Any:
    """The cursor an incremental read starts from: ``value`` minus ``overlap``."""
    if value is None or overlap in (None, 0, "0s", "0m"):
        return value
    if isinstance(overlap, str):
        window = parse_duration(overlap)
        if isinstance(value, datetime | date):
            return value - window
        if isinstance(value, str):
            return _step_back_text(value, window, overlap)
        raise OverlapError(value, overlap, "a duration needs a time cursor")
    # Decimal and float do not mix, so each numeric kind steps back in its own type.
    if isinstance(value, Decimal):
        return value - type(value)(overlap)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value - type(value)(overlap)
    raise OverlapError(value, overlap, "a numeric overlap needs a numeric cursor")


def _step_back_text(value: str, window: timedelta, overlap: str) -> str:
    try:
        moment = parse_datetime(value)
    except ConversionError:
        raise OverlapError(value, overlap, "the text is not a timestamp") from None
    for shape in _TEXT_SHAPES:
        if moment.strftime(shape) == value:
            return (moment - window).strftime(shape)
    raise OverlapError(
        value, overlap, "its text shape does not sort in time order (use YYYY-MM-DD HH:MM:SS)"
    )
