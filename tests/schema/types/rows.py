"""Fake store rows (attribute access, like SQLAlchemy rows) built from the seed's dicts."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def row(values: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**values)
