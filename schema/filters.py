"""Filter inputs of the root lists, translated to one SQL condition each (never applied in
Python).

Each input is a set of field conditions (see ``schema.operators``), ANDed, plus ``and``, ``or``
and ``not`` of further filters of the same kind and relation filters that become ``EXISTS``
subqueries: projects that have a matching filing, filings whose project or outcome matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry
from sqlalchemy import and_, exists, false, func, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from hub import tables
from hub.entities import ENTITIES
from hub.errors import ErrorCode, HubError
from hub.idle import IdleRule, check_question
from hub.policy import SYSTEM, Viewer
from hub.sla import Supervision
from schema.errors import UserInputError
from schema.live import live
from schema.operators import (
    AttributeFilter,
    DateFilter,
    DateTimeFilter,
    DecisionFilter,
    EventStepFilter,
    FilingStatusFilter,
    FloatFilter,
    FundingFilter,
    IntFilter,
    ProjectCategoryFilter,
    ProjectStatusFilter,
    SlaStateFilter,
    StageFilter,
    StringFilter,
    attribute_terms,
    check_division,
    compare,
)

p, f, e, o, m = (
    tables.projects,
    tables.filings,
    tables.process_events,
    tables.outcomes,
    tables.matters,
)

# The department handling a filing: its own, else its matter's.
FILING_DEPARTMENT = func.coalesce(
    f.c.department_code,
    select(m.c.department_code).where(m.c.code == f.c.matter_code).scalar_subquery(),
)
FILING_STAGE = select(m.c.stage).where(m.c.code == f.c.matter_code).scalar_subquery()


@dataclass(frozen=True, slots=True)
class FilterScope:
    """What a filter needs besides its input: the clock that judges ``sla`` conditions, the
    rule that judges ``idle`` ones (the default ``[idle]`` config when not given), and the
    viewer, whose view of each field the conditions compare (``hub.policy``): a field it reads
    masked or null matches as such, so a filter cannot probe what it may not read."""

    supervision: Supervision
    idle: IdleRule | None = None
    viewer: Viewer = SYSTEM

    def field(self, entity: str, name: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``column`` (field ``name`` of ``entity``) as the viewer reads it."""
        if self.viewer.unrestricted or name not in ENTITIES[entity].by_name:
            return column
        return self.viewer.column(entity, name, column=column)

    def related(self, entity: str, table: Any) -> ColumnElement[bool]:
        """The rows of ``table`` (of ``entity``) a relation condition may look at."""
        return self.viewer.rows(entity, table)

    @property
    def idle_rule(self) -> IdleRule:
        return self.idle or IdleRule(self.supervision.clock.store)

    def idle_question(self, as_of: date | None, months: int | None) -> tuple[date, int]:
        """The as-of day (default: the business day) and window (default: ``[idle] months``)
        of an idle question, checked: a clear error for a future day or no months."""
        day = self.supervision.business_day(as_of)
        window = self.idle_rule.config.months if months is None else months
        try:
            check_question(day, window)
        except HubError as exc:
            raise UserInputError(str(exc), code=ErrorCode.INVALID_IDLE_QUESTION) from None
        return day, window


@strawberry.input(description="Projects idle as of a day (hub.idle's rule), by their cause.")
class IdleFilter:
    as_of: date | None = strawberry.field(
        default=None, description="The business day (default: the configured day, else today)."
    )
    months: int | None = strawberry.field(
        default=None, description="No activity for more than this (default: [idle] months, 2)."
    )
    cause: StringFilter | None = strawberry.field(
        default=None, description="The cause's code (annotated, else inferred)."
    )
    cause_source: StringFilter | None = strawberry.field(
        default=None, description="ANNOTATED or INFERRED."
    )

    def to_sql(self, scope: FilterScope) -> ColumnElement[bool]:
        as_of, months = scope.idle_question(self.as_of, self.months)
        idle = scope.idle_rule.table(as_of, months)
        terms = [
            compare(idle.c[name], operators)
            for name, operators in (("cause", self.cause), ("cause_source", self.cause_source))
            if operators is not None
        ]
        return p.c.code.in_(select(idle.c.code).where(and_(true(), *terms)))


@strawberry.input(description="Filings by their time limit as of a business day.")
class SlaFilter:
    as_of: date | None = strawberry.field(
        default=None, description="The business day (default: the configured day, else today)."
    )
    state: SlaStateFilter | None = None
    current_step: EventStepFilter | None = strawberry.field(
        default=None, description="The step of the filing's latest event by that day."
    )

    def to_sql(self, scope: FilterScope) -> ColumnElement[bool]:
        supervision = scope.supervision
        clock = supervision.clock.table(supervision.business_day(self.as_of))
        terms = [
            compare(clock.c[name], operators)
            for name, operators in (("state", self.state), ("current_step", self.current_step))
            if operators is not None
        ]
        return f.c.key.in_(select(clock.c.key).where(and_(true(), *terms)))


# A strawberry field object belongs to one class: each filter gets fresh ones.
def _and() -> Any:
    return strawberry.field(name="and", default=None, description="All of these filters hold.")


def _or() -> Any:
    return strawberry.field(name="or", default=None, description="At least one of these holds.")


def _not() -> Any:
    return strawberry.field(name="not", default=None, description="This filter does not hold.")


def _attributes() -> Any:
    return strawberry.field(
        default=None,
        description="Conditions on keys of the attributes map, e.g. "
        '{key: "approval_type", eq: "核准"} (a list: each must hold).',
    )


def _combine(
    given: Any,
    entity: str,
    columns: Mapping[str, ColumnElement[Any]],
    extra: list[ColumnElement[bool]],
    scope: FilterScope,
) -> ColumnElement[bool]:
    """Field conditions, relation conditions (``extra``) and the logic of one filter input."""
    terms = [
        compare(scope.field(entity, name, column), getattr(given, name))
        for name, column in columns.items()
        if getattr(given, name) is not None
    ]
    terms += extra
    if given.and_ is not None:
        terms += [each.to_sql(scope) for each in given.and_]
    if given.or_ is not None:
        terms.append(or_(*(each.to_sql(scope) for each in given.or_)) if given.or_ else false())
    if given.not_ is not None:
        terms.append(not_(given.not_.to_sql(scope)))
    return and_(true(), *terms)


@strawberry.input(description="Which projects: every condition given must hold.")
class ProjectFilter:
    code: StringFilter | None = None
    name: StringFilter | None = None
    category: ProjectCategoryFilter | None = None
    funding: FundingFilter | None = None
    owner_name: StringFilter | None = None
    owner_credit_code: StringFilter | None = None
    district: StringFilter | None = strawberry.field(
        default=None, description="The division code (行政区划代码), e.g. 440304."
    )
    total_investment: FloatFilter | None = None
    registered_at: DateFilter | None = None
    status: ProjectStatusFilter | None = None
    search: str | None = strawberry.field(
        default=None,
        description="Code prefix, or text in the name or owner's name, or the owner's exact "
        "credit code.",
    )
    has_filing: FilingFilter | None = strawberry.field(
        default=None, description="The project has at least one filing matching this."
    )
    attributes: list[AttributeFilter] | None = _attributes()
    idle: IdleFilter | None = strawberry.field(
        default=None, description="The project is idle as of a day (no activity for months)."
    )
    and_: list[ProjectFilter] | None = _and()
    or_: list[ProjectFilter] | None = _or()
    not_: ProjectFilter | None = _not()

    def to_sql(self, scope: FilterScope) -> ColumnElement[bool]:
        check_division(self.district, "ProjectFilter.district")
        extra = attribute_terms(self.attributes, p.c.attributes)
        if self.search is not None:
            text = self.search.strip()
            extra.append(
                or_(
                    p.c.code.startswith(text, autoescape=True),
                    p.c.name.icontains(text, autoescape=True),
                    scope.field("project", "owner_name", p.c.owner_name).icontains(
                        text, autoescape=True
                    ),
                    scope.field("project", "owner_credit_code", p.c.owner_credit_code)
                    == text.upper(),
                )
            )
        if self.has_filing is not None:
            extra.append(
                exists().where(
                    f.c.project_code == p.c.code,
                    live(f),
                    scope.related("filing", f),
                    self.has_filing.to_sql(scope),
                )
            )
        if self.idle is not None:
            extra.append(self.idle.to_sql(scope))
        return _combine(self, "project", PROJECT_COLUMNS, extra, scope)


@strawberry.input(description="Which filings: every condition given must hold.")
class FilingFilter:
    key: StringFilter | None = None
    project_code: StringFilter | None = None
    matter_code: StringFilter | None = None
    department_code: StringFilter | None = strawberry.field(
        default=None, description="The handling department (the matter's when not given)."
    )
    stage: StageFilter | None = strawberry.field(default=None, description="The matter's stage.")
    status: FilingStatusFilter | None = None
    submitted_at: DateTimeFilter | None = None
    accepted_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    time_limit_days: IntFilter | None = None
    sla: SlaFilter | None = strawberry.field(
        default=None, description="The filing's time limit as of a day: state, current step."
    )
    project: ProjectFilter | None = strawberry.field(
        default=None, description="The filing's project matches this."
    )
    outcome: OutcomeFilter | None = strawberry.field(
        default=None, description="The filing has an outcome matching this."
    )
    attributes: list[AttributeFilter] | None = _attributes()
    and_: list[FilingFilter] | None = _and()
    or_: list[FilingFilter] | None = _or()
    not_: FilingFilter | None = _not()

    def to_sql(self, scope: FilterScope) -> ColumnElement[bool]:
        extra = attribute_terms(self.attributes, f.c.attributes)
        if self.project is not None:
            extra.append(
                exists().where(
                    p.c.code == f.c.project_code,
                    live(p),
                    scope.related("project", p),
                    self.project.to_sql(scope),
                )
            )
        if self.outcome is not None:
            extra.append(
                exists().where(
                    o.c.filing_key == f.c.key,
                    live(o),
                    scope.related("outcome", o),
                    self.outcome.to_sql(scope),
                )
            )
        if self.sla is not None:
            extra.append(self.sla.to_sql(scope))
        return _combine(self, "filing", FILING_COLUMNS, extra, scope)


@strawberry.input(description="Which process events: every condition given must hold.")
class ProcessEventFilter:
    key: StringFilter | None = None
    filing_key: StringFilter | None = None
    project_code: StringFilter | None = None
    step: EventStepFilter | None = None
    division: StringFilter | None = None
    actor: StringFilter | None = None
    occurred_at: DateTimeFilter | None = None
    opinion: StringFilter | None = None
    filing: FilingFilter | None = strawberry.field(
        default=None, description="The event's filing matches this."
    )
    attributes: list[AttributeFilter] | None = _attributes()
    and_: list[ProcessEventFilter] | None = _and()
    or_: list[ProcessEventFilter] | None = _or()
    not_: ProcessEventFilter | None = _not()

    def to_sql(self, scope: FilterScope) -> ColumnElement[bool]:
        extra = attribute_terms(self.attributes, e.c.attributes)
        if self.filing is not None:
            extra.append(_filing_of(e, self.filing, scope))
        return _combine(self, "process_event", EVENT_COLUMNS, extra, scope)


@strawberry.input(description="Which outcomes: every condition given must hold.")
class OutcomeFilter:
    key: StringFilter | None = None
    filing_key: StringFilter | None = None
    project_code: StringFilter | None = None
    decision: DecisionFilter | None = None
    document_type: StringFilter | None = None
    document_number: StringFilter | None = None
    issued_at: DateFilter | None = None
    valid_until: DateFilter | None = None
    issuer: StringFilter | None = None
    holder: StringFilter | None = None
    filing: FilingFilter | None = strawberry.field(
        default=None, description="The outcome's filing matches this."
    )
    attributes: list[AttributeFilter] | None = _attributes()
    and_: list[OutcomeFilter] | None = _and()
    or_: list[OutcomeFilter] | None = _or()
    not_: OutcomeFilter | None = _not()

    def to_sql(self, scope: FilterScope) -> ColumnElement[bool]:
        extra = attribute_terms(self.attributes, o.c.attributes)
        if self.filing is not None:
            extra.append(_filing_of(o, self.filing, scope))
        return _combine(self, "outcome", OUTCOME_COLUMNS, extra, scope)


def _filing_of(table: Any, given: FilingFilter, scope: FilterScope) -> ColumnElement[bool]:
    """The filing of an event or outcome (rows of ``table``) matches ``given``."""
    return exists().where(
        f.c.key == table.c.filing_key, live(f), scope.related("filing", f), given.to_sql(scope)
    )


def _columns(table: Any, names: str) -> dict[str, ColumnElement[Any]]:
    return {name: table.c[name] for name in names.split()}


PROJECT_COLUMNS = _columns(
    p,
    "code name category funding owner_name owner_credit_code district total_investment "
    "registered_at status",
)
FILING_COLUMNS = _columns(
    f, "key project_code matter_code status submitted_at accepted_at completed_at time_limit_days"
) | {"department_code": FILING_DEPARTMENT, "stage": FILING_STAGE}
EVENT_COLUMNS = _columns(e, "key filing_key project_code step division actor occurred_at opinion")
OUTCOME_COLUMNS = _columns(
    o,
    "key filing_key project_code decision document_type document_number issued_at valid_until "
    "issuer holder",
)


def condition(given: Any | None, scope: FilterScope) -> ColumnElement[bool]:
    """The SQL condition of an optional filter argument."""
    return true() if given is None else given.to_sql(scope)
