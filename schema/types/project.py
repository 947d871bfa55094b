"""Project (项目): the join key across departments is its national project code."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub import entities
from hub.sla import china_today
from schema.business_day import past_day
from schema.filters import FilingFilter
from schema.nested import project_filings, snapshot_filings
from schema.ordering import FilingOrder
from schema.pagination import Connection
from schema.snapshot import Snapshot
from schema.supervision_stats import project_lead_time
from schema.types.annotation import ProjectAnnotation
from schema.types.district import District
from schema.types.enums import Funding, ProjectCategory, ProjectStatus, Stage, to_enum
from schema.types.filing import Filing
from schema.types.history import HistoryEntry, ProjectField, history
from schema.types.prerequisite import WaitingOn
from schema.types.project_idle import ProjectIdle
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import columns, utc

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.matter import Matter
    from schema.types.outcome import Outcome


@strawberry.type(description="The project owner (建设单位).")
class Owner:
    name: str | None
    credit_code: str | None = strawberry.field(
        description="Unified social credit code (统一社会信用代码)."
    )


@strawberry.type(description="An investment or construction project (项目).")
class Project:
    code: str = strawberry.field(description="National project code (项目代码).")
    name: str
    category: ProjectCategory | None
    funding: Funding | None
    owner: Owner | None
    district: District | None
    total_investment: float | None
    registered_at: datetime | None
    status: ProjectStatus | None
    provenance: Provenance = provenance_field()
    source_row: strawberry.Private[Any]  # the row it was built from
    as_of: strawberry.Private[Snapshot | None] = None

    @classmethod
    def from_row(cls, row: Any, as_of: Snapshot | None = None) -> Project:
        values = columns(row)
        owner_name, owner_credit_code = values["owner_name"], values["owner_credit_code"]
        return cls(
            code=values["code"],
            name=values["name"],
            category=to_enum(entities.ProjectCategory, values["category"]),
            funding=to_enum(entities.Funding, values["funding"]),
            owner=None
            if owner_name is None and owner_credit_code is None
            else Owner(name=owner_name, credit_code=owner_credit_code),
            district=District.of(values["district"]),
            total_investment=values["total_investment"],
            registered_at=utc(values["registered_at"]),
            status=to_enum(entities.ProjectStatus, values["status"]),
            source_row=row,
            as_of=as_of,
        )

    @strawberry.field(
        description="The project's filings (a cursor connection), by submission time then key "
        "unless orderBy says otherwise. Pages of many projects load in one statement."
    )
    def filings(
        self,
        info: strawberry.Info[Context, None],
        filter: FilingFilter | None = None,
        order_by: list[FilingOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Filing]:
        if self.as_of is not None:
            return snapshot_filings(self.as_of, info, filter, order_by, first, after)
        # The page itself when the projects' resolver prefetched it, else an awaitable.
        return project_filings(self.code, info, filter, order_by, first, after)

    @strawberry.field(description="The outcomes of the project's filings, by issue time, then key.")
    async def outcomes(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[Outcome, strawberry.lazy("schema.types.outcome")]]:
        if self.as_of is not None:
            return self.as_of.outcomes
        return await info.context.loaders.outcomes_by_project.load(self.code)

    @strawberry.field(
        description="Working days from the project's first filing of stage `from` (its "
        "submission) to the completion of its first approved filing of stage `to`; null "
        "until it has reached `to`."
    )
    async def lead_time(
        self,
        info: strawberry.Info[Context, None],
        from_: Annotated[Stage, strawberry.argument(name="from")],
        to: Stage,
    ) -> int | None:
        context = info.context
        calendar = context.clock.clock.calendar
        return await project_lead_time(context.store, calendar, self.code, from_, to)

    @strawberry.field(
        description="The China-time day of the project's latest activity: a submission, "
        "acceptance or completion of any of its filings, a step of their process or an "
        "outcome's issue; null while it has no filing."
    )
    async def last_activity_on(self, info: strawberry.Info[Context, None]) -> date | None:
        at = await info.context.loaders.last_activity.load(self.code)
        return None if at is None else china_today(at)

    @strawberry.field(
        description="Whether the project is idle as of a business day (default: the "
        "configured day): no activity for more than `months` months (default [idle] months, "
        "2) and not finished, withdrawn or building; null when it is not idle."
    )
    async def idle(
        self,
        info: strawberry.Info[Context, None],
        as_of: date | None = None,
        months: int | None = None,
    ) -> ProjectIdle | None:
        day, window = info.context.filter_scope.idle_question(as_of, months)
        return await info.context.loaders.idle.load((day, window, self.code))

    @strawberry.field(description="Annotations of the project (causes of delay), oldest first.")
    async def annotations(self, info: strawberry.Info[Context, None]) -> list[ProjectAnnotation]:
        return await info.context.loaders.annotations_by_project.load(self.code)

    @strawberry.field(
        description="What the project can file now: matters whose prerequisites (前置) are all "
        "approved for it and in force at the end of the business day, not filed yet."
    )
    async def next_matters(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> list[Annotated[Matter, strawberry.lazy("schema.types.matter")]]:
        past_day(as_of, "Project.nextMatters")
        loaders = info.context.loaders
        day = info.context.clock.business_day(as_of)
        codes = await loaders.next_matters.load((day, self.code))
        return [m for m in await loaders.matter.load_many(codes) if m is not None]

    @strawberry.field(
        description="The prerequisites its open filings wait on (not in force), with the "
        "departments that owe them."
    )
    async def waiting_on(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> list[WaitingOn]:
        past_day(as_of, "Project.waitingOn")
        day = info.context.clock.business_day(as_of)
        found = await info.context.loaders.waiting_on.load((day, self.code))
        return [WaitingOn.of(waiting) for waiting in found]

    @strawberry.field(description="The recorded changes of this project, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: ProjectField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "project", self.code, field)
