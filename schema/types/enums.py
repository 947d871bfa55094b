"""The canonical enums of ``hub.entities``, exposed as GraphQL enums (values in CAPS)."""

from __future__ import annotations

import enum
from typing import TypeVar

import strawberry

from hub.authenticity import AuthenticityState
from hub.entities import (
    Decision,
    EventStep,
    FilingStatus,
    Funding,
    ProjectCategory,
    ProjectStatus,
    Stage,
    TimeLimitClass,
)
from hub.sla import SlaState

__all__ = [
    "AuthenticityState",
    "Decision",
    "EventStep",
    "FilingStatus",
    "Funding",
    "ProjectCategory",
    "ProjectStatus",
    "SlaState",
    "Stage",
    "TimeLimitClass",
    "member",
    "to_enum",
]

E = TypeVar("E", bound=enum.Enum)

# strawberry.enum registers the GraphQL enum on the class itself and returns it unchanged, so the
# schema re-exports the canonical classes: they stay valid annotations for mypy.
strawberry.enum(Stage, description="Approval stage of a matter (审批阶段).")
strawberry.enum(TimeLimitClass, description="Time-limit class of a matter: 即办, 普通 or 复杂.")
strawberry.enum(ProjectCategory, description="Project category.")
strawberry.enum(Funding, description="Government or social investment.")
strawberry.enum(ProjectStatus, description="Project status.")
strawberry.enum(FilingStatus, description="Filing status.")
strawberry.enum(EventStep, description="Step of a filing's process.")
strawberry.enum(Decision, description="Decision of an outcome.")
strawberry.enum(
    AuthenticityState,
    description="Whether an outcome's signature holds (电子证照防伪), as sync last checked it.",
)
strawberry.enum(
    SlaState,
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
