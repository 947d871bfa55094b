"""What the hub knew of one project at an instant (see ``schema.as_of``). Types built from a
snapshot answer their nested fields from it instead of from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schema.types.filing import Filing
    from schema.types.outcome import Outcome
    from schema.types.process_event import ProcessEvent
    from schema.types.project import Project


@dataclass(slots=True)
class Snapshot:
    instant: datetime
    project: Project | None = None
    filings: list[Filing] = field(default_factory=list)
    events: dict[str, list[ProcessEvent]] = field(default_factory=dict)
    outcome: dict[str, Outcome] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
