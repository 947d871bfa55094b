"""The five demo department systems, each its own SQLite database with its own schema, naming
and formats. Each module knows its schema (``SCHEMA``), how it writes the canonical data
(``write``), the rows it holds that the hub must reject (``BAD_ROWS``) and the connector section of
hub.toml that maps it (``connector``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from hub.demo.dataset import Dataset
from hub.demo.sources import fgw, ghj, platform, rjw, zjj
from hub.demo.sources.common import BadRow

# The project register first: a sync in this order meets no orphans but the planted ones.
SOURCES: Mapping[str, ModuleType] = {m.NAME: m for m in (fgw, platform, ghj, zjj, rjw)}

BAD_ROWS: Mapping[str, Sequence[BadRow]] = {name: m.BAD_ROWS for name, m in SOURCES.items()}


def write_sources(folder: Path, data: Dataset) -> dict[str, Path]:
    """Write every source database into ``folder``; returns name -> path."""
    written: dict[str, Path] = {}
    for name, module in SOURCES.items():
        path = folder / f"{name}.db"
        write: Callable[[Path, Dataset], None] = module.write
        write(path, data)
        written[name] = path
    return written


def connectors() -> list[dict[str, Any]]:
    """The ``[[connectors]]`` sections of hub.toml, one per source."""
    return [module.connector() for module in SOURCES.values()]


__all__ = ["BAD_ROWS", "SOURCES", "BadRow", "connectors", "write_sources"]
