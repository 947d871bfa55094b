"""The canonical enums of ``hub.entities``, exposed as GraphQL enums (values in CAPS)."""

from __future__ import annotations

import enum
from typing import TypeVar

import strawberry

from hub import entities, sla

E = TypeVar("E", bound=enum.Enum)

Stage = strawberry.enum(entities.Stage, description="Approval stage of a matter (审批阶段).")
TimeLimitClass = strawberry.enum(
    entities.TimeLimitClass, description="Time-limit class of a matter: 即办, 普通 or 复杂."
)
ProjectCategory = strawberry.enum(entities.ProjectCategory, description="Project category.")
Funding = strawberry.enum(entities.Funding, description="Government or social investment.")
ProjectStatus = strawberry.enum(entities.ProjectStatus, description="Project status.")
FilingStatus = strawberry.enum(entities.FilingStatus, description="Filing status.")
EventStep = strawberry.enum(entities.EventStep, description="Step of a filing's process.")
Decision = strawberry.enum(entities.Decision, description="Decision of an outcome.")
SlaState = strawberry.enum(
    sla.SlaState,
    description="A filing's time-limit state as of a day (时限状态: 红灯 OVERDUE, 黄灯 DUE_SOON).",
)


def to_enum(kind: type[E], value: str | None) -> E | None:
    """The member for a stored value; None for NULL or a value the enum does not know."""
    # The enum's own value map: calling the enum costs a list page's rows noticeably more.
    return None if value is None else kind._value2member_map_.get(value)  # type: ignore[return-value]


def member(kind: type[E], value: str) -> E:
    """The member for a stored value of a NOT NULL column (ValueError for an unknown one)."""
    found = kind._value2member_map_.get(value)
    return found if found is not None else kind(value)  # type: ignore[return-value]
