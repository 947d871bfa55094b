"""ProjectIdle: a project that has stalled as of a day, since when and why (``hub.idle``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import idle
from schema.types.annotation import IdleCause, ProjectAnnotation
from schema.types.scalars import utc

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.matter import Matter

CauseSource = strawberry.enum(
    idle.CauseSource, description="Where an idle project's cause comes from."
)


@strawberry.type(
    description="A project idle as of a day: no activity for more than `months` months, not "
    "finished, withdrawn or building; since when and why."
)
class ProjectIdle:
    as_of: date
    months: int
    since: date = strawberry.field(
        description="The day of its last activity (its registration, if it has no filing)."
    )
    days: int = strawberry.field(description="Calendar days from `since` to `asOf`.")
    last_activity_at: datetime | None
    cause_source: CauseSource = strawberry.field(  # type: ignore[valid-type]
        description="ANNOTATED when an annotation of this spell gives the cause, else INFERRED."
    )
    waiting: str | None = strawberry.field(
        description="How the project stands with its next matter: OPEN, SUPPLEMENT, REJECTED "
        "or NOT_FILED."
    )
    cause_code: strawberry.Private[str]
    inferred_code: strawberry.Private[str]
    annotation_key: strawberry.Private[str | None]
    next_matter_code: strawberry.Private[str | None]

    @classmethod
    def of(cls, found: idle.ProjectIdle) -> ProjectIdle:
        return cls(
            as_of=found.as_of,
            months=found.months,
            since=found.since,
            days=found.days,
            last_activity_at=utc(found.last_activity_at),
            cause_source=found.cause_source,
            waiting=found.waiting,
            cause_code=found.cause,
            inferred_code=found.inferred_cause,
            annotation_key=found.annotation_key,
            next_matter_code=found.next_matter_code,
        )

    @strawberry.field(description="The cause: the annotation's, else the inferred one.")
    def cause(self, info: strawberry.Info[Context, None]) -> IdleCause:
        return IdleCause.of(info.context.idle_config, self.cause_code)

    @strawberry.field(description="The cause the [idle] rules infer from the next matter.")
    def inferred_cause(self, info: strawberry.Info[Context, None]) -> IdleCause:
        return IdleCause.of(info.context.idle_config, self.inferred_code)

    @strawberry.field(description="The annotation that gives the cause, if any.")
    async def annotation(self, info: strawberry.Info[Context, None]) -> ProjectAnnotation | None:
        if self.annotation_key is None:
            return None
        return await info.context.loaders.annotation.load(self.annotation_key)

    @strawberry.field(description="The matter the project would have to move on next.")
    async def next_matter(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Matter, strawberry.lazy("schema.types.matter")] | None:
        if self.next_matter_code is None:
            return None
        return await info.context.loaders.matter.load(self.next_matter_code)
