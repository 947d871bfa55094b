"""Rows of ``stepStats``: the working days filings spend in a step of their process, per group
(key fields not grouped by are null)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.types.enums import EventStep

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.department import Department
    from schema.types.matter import Matter


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
class StepStats:
    department_code: str | None = strawberry.field(
        description="The filing's department, else its matter's."
    )
    division: str | None = strawberry.field(description="The event's division (处室).")
    step: EventStep | None
    matter_code: str | None
    count: int
    avg_working_days: float | None
    median_working_days: int | None
    p90_working_days: int | None
    max_working_days: int | None

    @strawberry.field
    async def department(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Department, strawberry.lazy("schema.types.department")] | None:
        if self.department_code is None:
            return None
        return await info.context.loaders.department.load(self.department_code)

    @strawberry.field
    async def matter(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Matter, strawberry.lazy("schema.types.matter")] | None:
        if self.matter_code is None:
            return None
        return await info.context.loaders.matter.load(self.matter_code)
