"""Rows of ``leadTimeStats``: projects' working days from one approval stage to another, per
group (key fields not grouped by are null)."""

from __future__ import annotations

import enum

import strawberry

from schema.types.district import District
from schema.types.enums import Funding, ProjectCategory


@strawberry.enum(description="What leadTimeStats groups projects by.")
class LeadTimeGroup(enum.Enum):
    CATEGORY = "category"
    FUNDING = "funding"
    DISTRICT = "district"
    YEAR = "year"


@strawberry.type(
    description="Projects of one group that reached the end stage, timed: working days from "
    "the earliest submission of a filing of the start stage to the completion of the first "
    "approved filing of the end stage (projects that ended before they started are left out). "
    "Median and p90 are nearest-rank: the lead time at rank ceil(q·count) in ascending order."
)
class LeadTimeStats:
    category: ProjectCategory | None
    funding: Funding | None
    district: District | None
    year: int | None = strawberry.field(description="Year of registration, China time.")
    count: int
    avg_working_days: float | None
    median_working_days: int | None
    p90_working_days: int | None
    max_working_days: int | None
