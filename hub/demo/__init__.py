"""Demo department sources: the Shenzhen 2014 seed system as five department databases with
their own schemas, and a hub.toml that maps them.

``build_demo(target)`` writes ``target/sources/{platform,fgw,ghj,zjj,rjw}.db`` and
``target/hub.toml``. The data is fixed by ``seed``, ``scale`` and ``as_of``: 16 departments,
215 matters, ``round(1780 * scale)`` projects and ``round(7550 * scale)`` filings with their
process events and outcomes, a few orphan filings, and five bad rows per source that the hub's
sync must reject. Every department signs its outcomes with its own demo key, and seven planted
certificates are wrong in ways the hub must flag (``hub.demo.signing``). ``expected_counts``
gives the exact figures to assert against.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hub.config import parse_config
from hub.demo.catalogue import DEPARTMENT_COUNT, MATTER_COUNT
from hub.demo.config import hub_config, write_config
from hub.demo.counts import REJECT_COUNT, REJECTS, DemoCounts, expected_counts
from hub.demo.dataset import (
    AS_OF,
    ORPHAN_FILINGS,
    Dataset,
    filing_count,
    generate,
    project_count,
)
from hub.demo.filings import FILING_COUNT, OPEN_OVERDUE, OVERDUE_SHARE
from hub.demo.projects import PROJECT_COUNT
from hub.demo.signing import prepare as prepare_signing
from hub.demo.signing import sign_sources
from hub.demo.sources import SOURCES, write_sources

MAX_SCALE = 100.0  # planted bad rows keep ids that valid rows reach only beyond this
CONFIG_NAME = "hub.toml"
SOURCES_FOLDER = "sources"


def build_demo(
    target: Path, *, scale: float = 1.0, seed: int = 2014, as_of: datetime = AS_OF
) -> Path:
    """Write the demo department databases and hub.toml into ``target``; returns the config's
    path. The same arguments give identical databases; files of an earlier demo are replaced
    (the hub's own store, ``hub.db``, is left alone)."""
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be above 0 and at most {MAX_SCALE:g}, not {scale!r}")
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    data = generate(scale, seed, as_of)
    prepare_signing(data)
    write_sources(target / SOURCES_FOLDER, data)
    config = write_config(target / CONFIG_NAME)
    sign_sources(target / SOURCES_FOLDER, data, parse_config(hub_config()))
    return config


__all__ = [
    "AS_OF",
    "CONFIG_NAME",
    "DEPARTMENT_COUNT",
    "FILING_COUNT",
    "MATTER_COUNT",
    "OPEN_OVERDUE",
    "ORPHAN_FILINGS",
    "OVERDUE_SHARE",
    "PROJECT_COUNT",
    "REJECTS",
    "REJECT_COUNT",
    "SOURCES",
    "Dataset",
    "DemoCounts",
    "build_demo",
    "expected_counts",
    "filing_count",
    "generate",
    "project_count",
]
