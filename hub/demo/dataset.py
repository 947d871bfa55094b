"""The whole demo data set in canonical terms, generated from a seed and a scale, before any
source writes it in its own schema."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from hub.calendar import standard_calendar
from hub.demo.catalogue import Catalogue, build_catalogue
from hub.demo.filings import (
    FILING_COUNT,
    OPEN_OVERDUE,
    OVERDUE_SHARE,
    SPECIAL_PROCEDURES,
    Event,
    Filing,
    FilingPlanner,
    filing_counts,
    number_documents,
)
from hub.demo.planted import Planted, extend_validity, plant, settle_statuses
from hub.demo.projects import INDUSTRY, PROJECT_COUNT, Project, draft_projects

AS_OF = datetime(2014, 12, 31, 23, 59)

# Filings for project codes that are valid but not registered (orphans): matter and division.
ORPHANS: tuple[tuple[str, str], ...] = (
    ("SWJ-001", "440306"),
    ("XFJ-001", "440307"),
    ("JTW-001", "440305"),
    ("GHJ-003", "440304"),
    ("ZJJ-007", "440309"),
    ("RJW-002", "440311"),
)
ORPHAN_FILINGS = len(ORPHANS)


def project_count(scale: float) -> int:
    """Valid projects at ``scale``."""
    return max(1, round(PROJECT_COUNT * scale))


def filing_count(scale: float) -> int:
    """Valid filings of registered projects at ``scale`` (orphans not included)."""
    return max(project_count(scale), round(FILING_COUNT * scale))


@dataclass(slots=True)
class Dataset:
    seed: int
    scale: float
    as_of: datetime
    catalogue: Catalogue
    projects: list[Project]
    filings: list[Filing]  # registered projects' filings, then the orphans
    planted: Planted  # the data problems planted for the data checks (hub.demo.planted)

    def filings_of(self, source: str) -> list[Filing]:
        """The filings a source holds, in the order of their native ids."""
        return sorted((f for f in self.filings if f.source == source), key=lambda f: f.native_id)

    def events_of(self, source: str) -> Iterator[tuple[Filing, Event]]:
        pairs = [(e.native_id, f, e) for f in self.filings if f.source == source for e in f.events]
        pairs.sort(key=lambda t: t[0])
        for _, filing, event in pairs:
            yield filing, event


def generate(scale: float = 1.0, seed: int = 2014, as_of: datetime = AS_OF) -> Dataset:
    """Generate the demo data; the same arguments always give the same data."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    catalogue = build_catalogue(seed, as_of)
    rng = random.Random(f"{seed}/{scale!r}/{as_of.isoformat()}")
    projects = draft_projects(rng, project_count(scale))
    filing_counts(rng, projects, filing_count(scale))
    planner = FilingPlanner(rng, catalogue, standard_calendar(), as_of)
    per_project = [planner.choose(project) for project in projects]
    filings = [f for chosen in per_project for f in chosen]
    planner.mark_overdue(
        filings,
        open_target=round(OPEN_OVERDUE * scale),
        total_target=round(OVERDUE_SHARE * len(filings)),
    )
    planner.mark_special(filings, round(SPECIAL_PROCEDURES * scale))
    for project, chosen in zip(projects, per_project, strict=True):
        planner.lay_out(project, chosen)
    _assign_codes(projects)
    registered = {p.code for p in projects}
    for number, (matter_code, division) in enumerate(ORPHANS, start=1):
        code = f"{as_of.year}-{division}-47-01-99{number:04d}"
        assert code not in registered
        filings.append(planner.orphan(catalogue.matter(matter_code), code))
    _assign_native_ids(filings)
    number_documents(filings, catalogue)
    settle_statuses(catalogue, projects, filings)
    extend_validity(filings, as_of)
    planted = plant(seed, catalogue, projects, filings)
    return Dataset(seed, scale, as_of, catalogue, projects, filings, planted)


def _assign_codes(projects: list[Project]) -> None:
    """Project codes YYYY-RRRRRR-II-TT-NNNNNN, numbered per year and division in the order of
    registration."""
    counters: dict[tuple[int, str], int] = {}
    for project in sorted(projects, key=lambda p: (p.registered_at, p.index)):
        key = (project.registered_at.year, project.district)
        counters[key] = counters.get(key, 0) + 1
        project.code = (
            f"{key[0]}-{project.district}-{INDUSTRY[project.category]}-"
            f"{project.approval_type}-{counters[key]:06d}"
        )


def _assign_native_ids(filings: list[Filing]) -> None:
    """Each source numbers its filings, events and outcomes in the order they happened."""
    by_source: dict[str, list[Filing]] = {}
    for filing in filings:
        by_source.setdefault(filing.source, []).append(filing)
    for source_filings in by_source.values():
        source_filings.sort(key=lambda f: (f.submitted_at, f.project_code, f.matter.code))
        for number, filing in enumerate(source_filings, start=1):
            filing.native_id = number
        events = [
            (e.occurred_at, f.native_id, i, e)
            for f in source_filings
            for i, e in enumerate(f.events)
        ]
        events.sort(key=lambda t: t[:3])
        for number, (*_, event) in enumerate(events, start=1):
            event.native_id = number
        outcomes = [
            (f.outcome.issued_at, f.native_id, f.outcome) for f in source_filings if f.outcome
        ]
        outcomes.sort(key=lambda t: t[:2])
        for number, (*_, outcome) in enumerate(outcomes, start=1):
            outcome.native_id = number
