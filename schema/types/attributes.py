"""A record's ``attributes``: the source values without a canonical field, by key."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.types.scalars import JSON, columns


def _attributes(root: Any) -> JSON | None:
    value: JSON | None = columns(root.source_row).get("attributes")
    return value


def attributes_field() -> Any:
    """The ``attributes`` field of an entity type, read from the type's ``source_row``."""
    return strawberry.field(
        resolver=_attributes,
        description="Source values without a field of their own, by key (a connector maps "
        "them as attributes.<key>); filter by key with `attributes: {key, eq}`.",
    )
