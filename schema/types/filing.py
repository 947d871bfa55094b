"""Filing (申报/报建): one application by a project for one matter."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub import entities
from schema.business_day import past_day
from schema.prefetch import cached_or_load
from schema.snapshot import Snapshot
from schema.types.enums import FilingStatus, member
from schema.types.filing_sla import FilingSla
from schema.types.history import FilingField, HistoryEntry, history
from schema.types.prerequisite import Prerequisite
from schema.types.provenance import Provenance, provenance_field
from schema.types.scalars import JSON, columns, utc

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.department import Department
    from schema.types.matter import Matter
    from schema.types.outcome import Outcome
    from schema.types.process_event import ProcessEvent
    from schema.types.project import Project


@strawberry.type(description="A filing (申报): one application by a project for one matter.")
class Filing:
    key: str
    project_code: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    completed_at: datetime | None
    status: FilingStatus
    time_limit_days: int | None = strawberry.field(
        description="The time limit in working days that applied when the filing was accepted."
    )
    materials: JSON | None = strawberry.field(description="The submitted materials, as synced.")
    provenance: Provenance = provenance_field()
    source_row: strawberry.Private[Any]  # the row it was built from
    matter_code: strawberry.Private[str]
    department_code: strawberry.Private[str | None]
    as_of: strawberry.Private[Snapshot | None] = None

    @classmethod
    def from_row(cls, row: Any, as_of: Snapshot | None = None) -> Filing:
        values = columns(row)
        return cls(
            key=values["key"],
            project_code=values["project_code"],
            submitted_at=utc(values["submitted_at"]),
            accepted_at=utc(values["accepted_at"]),
            completed_at=utc(values["completed_at"]),
            status=member(entities.FilingStatus, values["status"]),
            time_limit_days=values["time_limit_days"],
            materials=values["materials"],
            source_row=row,
            matter_code=values["matter_code"],
            department_code=values["department_code"],
            as_of=as_of,
        )

    @strawberry.field(
        description="The project; null while the project is not synced yet (an orphan filing)."
    )
    async def project(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Project, strawberry.lazy("schema.types.project")] | None:
        if self.as_of is not None:  # the snapshot's project, not today's
            return self.as_of.project
        return await info.context.loaders.project.load(self.project_code)

    @strawberry.field
    def matter(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Matter, strawberry.lazy("schema.types.matter")] | None:
        # Plain resolvers answer from a primed loader without an awaitable (schema.prefetch).
        return cached_or_load(info.context.loaders.matter, self.matter_code)

    @strawberry.field(
        description="The department handling the filing (the matter's department if not given)."
    )
    async def department(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Department, strawberry.lazy("schema.types.department")] | None:
        loaders = info.context.loaders
        code = self.department_code
        if code is None:
            matter = await loaders.matter.load(self.matter_code)
            if matter is None:
                return None
            code = matter.department_code
        return await loaders.department.load(code)

    @strawberry.field(description="The steps of the filing's process, in time order.")
    def events(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[ProcessEvent, strawberry.lazy("schema.types.process_event")]]:
        if self.as_of is not None:
            return self.as_of.events.get(self.key, [])
        return cached_or_load(info.context.loaders.events_by_filing, self.key)

    @strawberry.field(description="The outcome (批复/证照); null until the filing is decided.")
    def outcome(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Outcome, strawberry.lazy("schema.types.outcome")] | None:
        if self.as_of is not None:
            return self.as_of.outcome.get(self.key)
        return cached_or_load(info.context.loaders.outcome_by_filing, self.key)

    @strawberry.field(
        description="The filing's time limit as of a business day (default: the configured "
        "day, else today in China): state, due day, working days elapsed and suspended."
    )
    async def sla(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> FilingSla:
        day = info.context.clock.business_day(as_of)
        return await info.context.loaders.sla.load((day, self.key))

    @strawberry.field(
        description="The matters this filing's matter requires (前置), each with its state when "
        "the filing was accepted (before that: as of the business day), from the catalogue now."
    )
    async def prerequisites(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> list[Prerequisite]:
        past_day(as_of, "Filing.prerequisites")
        day = info.context.clock.business_day(as_of)
        found = await info.context.loaders.prerequisites.load((day, self.key))
        return [Prerequisite.of(status) for status in found]

    @strawberry.field(description="The recorded changes of this filing, oldest first.")
    async def history(
        self, info: strawberry.Info[Context, None], field: FilingField | None = None
    ) -> list[HistoryEntry]:
        return await history(info, "filing", self.key, field)
