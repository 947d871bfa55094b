"""Per-field comparison inputs of the filters (``{eq, ne, in, gt, ..., isNull}``) and their
translation to SQL.

Every operator given in one input must hold (they are ANDed). An operator left out (or given as
null) does not constrain; ``isNull: true`` asks for NULL, ``isNull: false`` for a value.
"""

from __future__ import annotations

import enum
import operator
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import String, and_, cast, true
from sqlalchemy.sql.elements import ColumnElement

from schema.errors import UserInputError
from schema.types import enums


def naive_utc(value: Any) -> Any:
    """The store keeps naive UTC: an aware datetime is converted, a naive one taken as UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else naive_utc(value)


_BINARY = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def compare(column: ColumnElement[Any], operators: Any) -> ColumnElement[bool]:
    """The SQL condition of one comparison input on ``column``."""
    terms: list[ColumnElement[bool]] = []
    for name, apply in _BINARY.items():
        value = getattr(operators, name, None)
        if value is not None:
            terms.append(apply(column, _stored(value)))
    if (values := getattr(operators, "in_", None)) is not None:
        terms.append(column.in_([_stored(v) for v in values]))
    if (values := getattr(operators, "not_in", None)) is not None:
        terms.append(column.not_in([_stored(v) for v in values]))
    contains = getattr(operators, "contains", None)
    if contains is not None:
        terms.append(column.icontains(contains, autoescape=True))
    starts_with = getattr(operators, "starts_with", None)
    if starts_with is not None:
        terms.append(column.startswith(starts_with, autoescape=True))
    is_null = getattr(operators, "is_null", None)
    if is_null is not None:
        terms.append(column.is_(None) if is_null else column.is_not(None))
    return and_(true(), *terms)


# A strawberry field object belongs to one class: each input gets fresh ones.
def _in() -> Any:
    return strawberry.field(name="in", default=None, description="One of these values.")


def _not_in() -> Any:
    return strawberry.field(default=None, description="None of these values.")


def _is_null() -> Any:
    return strawberry.field(
        default=None, description="true: the field has no value; false: it has one."
    )


@strawberry.input(description="Conditions on a text field.")
class StringFilter:
    eq: str | None = None
    ne: str | None = None
    gt: str | None = None
    gte: str | None = None
    lt: str | None = None
    lte: str | None = None
    in_: list[str] | None = _in()
    not_in: list[str] | None = _not_in()
    contains: str | None = strawberry.field(
        default=None, description="Contains this text (ASCII letters match in either case)."
    )
    starts_with: str | None = strawberry.field(default=None, description="Starts with this text.")
    is_null: bool | None = _is_null()


@strawberry.input(description="Conditions on a whole-number field.")
class IntFilter:
    eq: int | None = None
    ne: int | None = None
    in_: list[int] | None = _in()
    not_in: list[int] | None = _not_in()
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None
    is_null: bool | None = _is_null()


@strawberry.input(description="Conditions on a number field.")
class FloatFilter:
    eq: float | None = None
    ne: float | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    is_null: bool | None = _is_null()


@strawberry.input(
    description="Conditions on a date-time field (a time without offset is taken as UTC)."
)
class DateTimeFilter:
    eq: datetime | None = None
    ne: datetime | None = None
    gt: datetime | None = None
    gte: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None
    is_null: bool | None = _is_null()


@strawberry.input(description="Conditions on a date field.")
class DateFilter:
    eq: date | None = None
    ne: date | None = None
    gt: date | None = None
    gte: date | None = None
    lt: date | None = None
    lte: date | None = None
    is_null: bool | None = _is_null()


@strawberry.input(
    description="Conditions on one key of a record's attributes, compared as text (a number "
    "as it is written, e.g. 1.5): every condition given must hold; a record without the key "
    "matches only isNull: true."
)
class AttributeFilter(StringFilter):
    key: str = strawberry.field(description="The attribute's key, e.g. approval_type.")

    def to_sql(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """The condition on ``column`` (a JSON attributes column): SQLite's JSON_EXTRACT and
        PostgreSQL's ->> of the key, as text on both."""
        value = cast(column[self.key].as_string(), String)
        return compare(value, self)


def attribute_terms(
    given: list[AttributeFilter] | None, column: ColumnElement[Any]
) -> list[ColumnElement[bool]]:
    """The conditions of a filter's ``attributes`` (one input or a list of them, ANDed)."""
    return [each.to_sql(column) for each in given or ()]


E = TypeVar("E", bound=enum.Enum)


# GraphQL has no generic inputs: each enum gets its own named subclass of this one.
@strawberry.input
class _EnumFilter(Generic[E]):
    eq: E | None = None
    ne: E | None = None
    in_: list[E] | None = _in()
    not_in: list[E] | None = _not_in()
    is_null: bool | None = _is_null()


@strawberry.input(description="Conditions on a Stage.")
class StageFilter(_EnumFilter[enums.Stage]):
    pass


@strawberry.input(description="Conditions on a ProjectCategory.")
class ProjectCategoryFilter(_EnumFilter[enums.ProjectCategory]):
    pass


@strawberry.input(description="Conditions on a Funding.")
class FundingFilter(_EnumFilter[enums.Funding]):
    pass


@strawberry.input(description="Conditions on a ProjectStatus.")
class ProjectStatusFilter(_EnumFilter[enums.ProjectStatus]):
    pass


@strawberry.input(description="Conditions on a FilingStatus.")
class FilingStatusFilter(_EnumFilter[enums.FilingStatus]):
    pass


@strawberry.input(description="Conditions on a EventStep.")
class EventStepFilter(_EnumFilter[enums.EventStep]):
    pass


@strawberry.input(description="Conditions on a Decision.")
class DecisionFilter(_EnumFilter[enums.Decision]):
    pass


@strawberry.input(description="Conditions on a SlaState.")
class SlaStateFilter(_EnumFilter[enums.SlaState]):
    pass


def check_division(operators: StringFilter | None, where: str) -> None:
    """District codes are six digits (行政区划代码); anything else is a mistake, not a miss."""
    if operators is None:
        return
    values = [operators.eq, operators.ne, *(operators.in_ or []), *(operators.not_in or [])]
    for value in values:
        if value is not None and not (len(value) == 6 and value.isdigit()):
            raise UserInputError(
                f"{where}: {value!r} is not a district code (six digits, e.g. 440304)",
                code="BAD_FILTER",
            )
