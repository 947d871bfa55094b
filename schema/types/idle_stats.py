"""Rows of ``idleStats``: idle projects of one group, counted, with their share."""

from __future__ import annotations

import enum
from datetime import date

import strawberry

from schema.types.annotation import IdleCause
from schema.types.district import District
from schema.types.enums import Funding, ProjectCategory
from schema.types.project_idle import CauseSource


@strawberry.enum(description="What idleStats groups idle projects by.")
class IdleGroup(enum.Enum):
    CAUSE = "cause"
    CAUSE_SOURCE = "cause_source"
    DISTRICT = "district"
    CATEGORY = "category"
    FUNDING = "funding"


@strawberry.type(description="Idle projects of one group (keys not grouped by are null).")
class IdleStats:
    as_of: date
    months: int
    cause: IdleCause | None = strawberry.field(
        description="The cause: annotated where an annotation gives it, else inferred."
    )
    cause_source: CauseSource | None  # type: ignore[valid-type]
    district: District | None
    category: ProjectCategory | None
    funding: Funding | None
    count: int
    share: float = strawberry.field(
        description="count over all idle projects the filter selects (0 to 1, 4 decimals)."
    )
    annotated: int = strawberry.field(description="Of count, causes given by an annotation.")
    inferred: int = strawberry.field(description="Of count, causes inferred from the next matter.")
