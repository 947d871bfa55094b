"""Rows of ``stepStats``: the working days filings spend in a step of their process, per group
(key fields not grouped by are null)."""

from __future__ import annotations

import enum

import strawberry

from schema.types.enums import EventStep
from schema.types.stats import DepartmentAndMatter


@strawberry.enum(description="What stepStats groups steps by.")
class StepGroup(enum.Enum):
    DEPARTMENT = "department"
    DIVISION = "division"
    STEP = "step"
    MATTER = "matter"


@strawberry.type(
    description="Steps of one group, timed: a step lasts the working days from its event to the "
    "filing's next event (a filing's last event is not counted). Median and p90 are "
    "nearest-rank: the duration at rank ceil(q·count) in ascending order."
)
class StepStats(DepartmentAndMatter):
    division: str | None = strawberry.field(description="The event's division (处室).")
    step: EventStep | None
    count: int
    avg_working_days: float | None
    median_working_days: int | None
    p90_working_days: int | None
    max_working_days: int | None
