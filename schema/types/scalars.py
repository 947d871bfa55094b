"""Scalars and value conversions shared by the types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NewType, overload

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from hub.entities import Entity

__all__ = ["JSON", "SCALAR_MAP", "BigInt", "columns", "utc"]

_INT64 = range(-(2**63), 2**63)


def _parse_big_int(value: object) -> int:
    """A BigInt input: an integer, or a string of one (for clients whose numbers are doubles)."""
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in _INT64:
        raise ValueError(f"BigInt takes a 64-bit integer or a string of one, not {value!r}")
    return value


BigInt = NewType("BigInt", int)

# The schema's own scalars, for ``StrawberryConfig.scalar_map``.
SCALAR_MAP: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="A 64-bit integer, such as a change-log seq: a JSON number in results "
        "(exact in JavaScript up to 2^53); an integer or a string of one as input.",
        serialize=int,
        parse_value=_parse_big_int,
    )
}


def unit_of(entity: Entity, name: str) -> str:
    """The stored unit of a numeric field (``hub.entities``), for the field's description."""
    unit = entity.field(name).unit
    assert unit is not None, f"{entity.name}.{name} is not numeric"
    return unit


def columns(row: Any) -> Mapping[str, Any]:
    """A row's values by column name: a SQLAlchemy row's mapping (reading it is a few times
    faster than reading the row's attributes, which a list page does for every field of every
    row) or a namespace's attributes (``schema.as_of`` rebuilds rows as namespaces)."""
    mapping: Mapping[str, Any] | None = getattr(row, "_mapping", None)
    return mapping if mapping is not None else vars(row)


@overload
def utc(value: datetime) -> datetime: ...


@overload
def utc(value: None) -> None: ...


@overload
def utc(value: datetime | None) -> datetime | None: ...


def utc(value: datetime | None) -> datetime | None:
    """The store keeps naive UTC datetimes; the API shows them timezone-aware."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
