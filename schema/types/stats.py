"""Rows of the aggregate queries ``filingStats`` and ``projectStats``: the group's key fields
(null for fields not grouped by) and its measures."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.types.district import District
from schema.types.enums import (
    EventStep,
    FilingStatus,
    Funding,
    ProjectCategory,
    ProjectStatus,
    SlaState,
    Stage,
)

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.department import Department
    from schema.types.matter import Matter


@strawberry.enum(description="What filingStats groups filings by.")
class FilingGroup(enum.Enum):
    DEPARTMENT = "department"
    MATTER = "matter"
    STATUS = "status"
    STAGE = "stage"
    DISTRICT = "district"
    CATEGORY = "category"
    MONTH = "month"
    CURRENT_STEP = "current_step"
    SLA_STATE = "sla_state"
    STEP = "step"


@strawberry.enum(description="What projectStats groups projects by.")
class ProjectGroup(enum.Enum):
    DISTRICT = "district"
    CATEGORY = "category"
    FUNDING = "funding"
    STATUS = "status"
    MONTH = "month"


@strawberry.type
class DepartmentAndMatter:
    """A group's department and matter, by code, loaded only when asked for (the key fields of
    ``FilingStats`` and ``StepStats``)."""

    department_code: str | None = strawberry.field(
        description="The filing's department, else its matter's."
    )
    matter_code: str | None

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


@strawberry.type(description="Filings of one group, counted and timed.")
class FilingStats(DepartmentAndMatter):
    status: FilingStatus | None
    stage: Stage | None
    district: District | None
    category: ProjectCategory | None = strawberry.field(description="The project's category.")
    month: str | None = strawberry.field(
        description="YYYY-MM of acceptance (of submission if not accepted), China time."
    )
    current_step: EventStep | None = strawberry.field(
        description="The step of the filing's latest event by the as-of day."
    )
    step: EventStep | None = strawberry.field(
        description="A step the filings went through by the as-of day (grouped by STEP, a "
        "filing counts in each of its steps)."
    )
    sla_state: SlaState | None = strawberry.field(description="The time-limit state.")
    as_of: date = strawberry.field(description="The business day the clocks are read on.")
    count: int
    completed: int = strawberry.field(description="Decided: approved or rejected.")
    in_progress: int = strawberry.field(description="Accepted, in progress or in supplement.")
    approved: int
    rejected: int
    overdue: int = strawberry.field(
        description="Open filings past their time limit as of the day (红灯, 超时)."
    )
    due_soon: int = strawberry.field(description="Open filings about to pass it (黄灯).")
    running: int = strawberry.field(description="Open filings well within their limit.")
    suspended: int = strawberry.field(
        description="Open filings whose clock stands still (补齐补正, 特别程序)."
    )
    not_accepted: int = strawberry.field(description="Submitted, not accepted by the day.")
    completed_on_time: int
    completed_late: int = strawberry.field(
        description="Completed after more working days (net of suspensions) than their limit."
    )
    unknown: int = strawberry.field(description="Filings whose clock the data cannot judge.")
    min_processing_days: int | None = strawberry.field(
        description="Working days from acceptance to completion (holidays and 调休 counted), "
        "over the filings of the group completed by the day."
    )
    avg_processing_days: float | None
    max_processing_days: int | None
    avg_net_processing_days: float | None = strawberry.field(
        description="The same, net of the working days the clock stood still."
    )
    avg_suspended_days: float | None = strawberry.field(
        description="Working days the clock stood still, per completed filing."
    )


@strawberry.type(description="Projects of one group, counted.")
class ProjectStats:
    district: District | None
    category: ProjectCategory | None
    funding: Funding | None
    status: ProjectStatus | None
    month: str | None = strawberry.field(description="YYYY-MM of registration, China time.")
    count: int
    completed: int = strawberry.field(description="Projects with status COMPLETED.")
    in_progress: int = strawberry.field(description="Under approval or under construction.")
    total_investment: float | None = strawberry.field(description="Sum over the group.")
    avg_investment: float | None
