"""FilingSla: a filing's clock (时限) as of a business day (``hub.sla`` has the rule)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from hub import sla
from schema.types.enums import EventStep, SlaState
from schema.types.scalars import utc


@strawberry.type(
    description="A filing's time limit as of a day: working days elapsed after acceptance, "
    "the days its clock stood still (补齐补正, 特别程序), its due day and state."
)
class FilingSla:
    as_of: date = strawberry.field(description="The business day asked about.")
    state: SlaState
    reason: str | None = strawberry.field(description="Why the state is UNKNOWN.")
    limit_days: int | None = strawberry.field(
        description="The time limit in working days the filing kept from the catalogue."
    )
    due_on: date | None = strawberry.field(
        description="The last working day within the limit, moved by the suspensions so far."
    )
    elapsed_working_days: int | None = strawberry.field(
        description="Working days after acceptance up to the as-of day (or the completion day)."
    )
    suspended_working_days: int | None = strawberry.field(
        description="Of those, the working days the clock stood still."
    )
    remaining_working_days: int | None = strawberry.field(
        description="limitDays - (elapsed - suspended); negative when overdue."
    )
    current_step: EventStep | None = strawberry.field(
        description="The step of the filing's latest event by the as-of day."
    )
    current_step_since: datetime | None
    working_days_in_step: int | None = strawberry.field(
        description="Working days since the current step began, up to the as-of day."
    )

    @classmethod
    def of(cls, clock: sla.FilingSla) -> FilingSla:
        return cls(
            as_of=clock.as_of,
            state=clock.state,
            reason=clock.reason,
            limit_days=clock.limit_days,
            due_on=clock.due_on,
            elapsed_working_days=clock.elapsed_working_days,
            suspended_working_days=clock.suspended_working_days,
            remaining_working_days=clock.remaining_working_days,
            current_step=clock.current_step,
            current_step_since=utc(clock.current_step_since),
            working_days_in_step=clock.working_days_in_step,
        )

    @classmethod
    def not_submitted(cls, as_of: date) -> FilingSla:
        """A filing submitted after the as-of day: no clock yet."""
        return cls(
            as_of=as_of,
            state=sla.SlaState.NOT_ACCEPTED,
            reason=None,
            limit_days=None,
            due_on=None,
            elapsed_working_days=None,
            suspended_working_days=None,
            remaining_working_days=None,
            current_step=None,
            current_step_since=None,
            working_days_in_step=None,
        )
