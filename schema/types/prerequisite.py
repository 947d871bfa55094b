"""Prerequisite (前置) and WaitingOn: a required matter's state for a filing, and what a
project's open filings wait for (``hub.checks.prerequisites`` has the rule)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.checks import prerequisites
from hub.checks.prerequisites import PrerequisiteState
from schema.types.scalars import utc

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.department import Department
    from schema.types.matter import Matter
    from schema.types.outcome import Outcome

strawberry.enum(
    PrerequisiteState,
    description="A required matter's state when the filing was accepted (or, before that, at "
    "the end of the as-of day): SATISFIED by an approving outcome in force, SATISFIED_LATE "
    "(approved only after the acceptance), EXPIRED (its validity had ended), MISSING.",
)


@strawberry.type(description="A matter that a filing's matter requires (前置), and its state.")
class Prerequisite:
    matter_code: str
    state: PrerequisiteState
    issued_at: datetime | None = strawberry.field(
        description="When the outcome named (satisfying, expired or late) was issued."
    )
    outcome_key: strawberry.Private[str | None]

    @classmethod
    def of(cls, status: prerequisites.PrerequisiteStatus) -> Prerequisite:
        return cls(
            matter_code=status.matter_code,
            state=status.state,
            issued_at=utc(status.issued_at),
            outcome_key=status.outcome_key,
        )

    @strawberry.field
    async def matter(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Matter, strawberry.lazy("schema.types.matter")] | None:
        return await info.context.loaders.matter.load(self.matter_code)

    @strawberry.field(
        description="The outcome that satisfies it (or came late, or expired); null if MISSING."
    )
    async def outcome(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Outcome, strawberry.lazy("schema.types.outcome")] | None:
        if self.outcome_key is None:
            return None
        return await info.context.loaders.outcome.load(self.outcome_key)


@strawberry.type(
    description="An open filing of the project waiting on a prerequisite not in force, and the "
    "department that owes it."
)
class WaitingOn:
    filing_key: str
    matter_code: str = strawberry.field(description="The waiting filing's matter.")
    required_matter_code: str
    state: PrerequisiteState
    department_code: str | None = strawberry.field(
        description="The department of the required matter: the one that owes it."
    )

    @classmethod
    def of(cls, waiting: prerequisites.Waiting) -> WaitingOn:
        return cls(
            filing_key=waiting.filing_key,
            matter_code=waiting.matter_code,
            required_matter_code=waiting.required_code,
            state=waiting.state,
            department_code=waiting.department_code,
        )

    @strawberry.field
    async def department(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Department, strawberry.lazy("schema.types.department")] | None:
        if self.department_code is None:
            return None
        return await info.context.loaders.department.load(self.department_code)
