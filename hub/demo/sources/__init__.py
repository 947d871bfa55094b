"""The five demo department systems, each its own SQLite database with its own schema, naming
and formats. Each module declares its system (``SYSTEM``: tables, code tables, quirks, and the rows
it holds that the hub must reject); the database and the connector section of hub.toml that maps
it are both made from that declaration (hub.demo.sources.common)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from hub.demo.dataset import Dataset
from hub.demo.sources import fgw, ghj, platform, rjw, zjj
from hub.demo.sources.common import BadRow, System

# The project register first: a sync in this order meets no orphans but the planted ones.
SOURCES: Mapping[str, System] = {m.SYSTEM.name: m.SYSTEM for m in (fgw, platform, ghj, zjj, rjw)}

BAD_ROWS: Mapping[str, Sequence[BadRow]] = {name: s.bad_rows for name, s in SOURCES.items()}


def write_sources(folder: Path, data: Dataset) -> dict[str, Path]:
    """Write every source database into ``folder``; returns name -> path."""
    written: dict[str, Path] = {}
    for name, system in SOURCES.items():
        path = folder / f"{name}.db"
        system.write(path, data)
        written[name] = path
    return written


__all__ = ["BAD_ROWS", "SOURCES", "BadRow", "System", "write_sources"]
