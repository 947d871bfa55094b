"""The data checks (数据检查) in the graph: ``findings``, ``qualityRules`` and
``qualityScores`` (``hub.checks``, ``hub.quality``).

Findings name the department responsible for the data: a department reads its own department's
findings and scorecard, supervisors and operators every one, the public role none
(``hub.policy.Viewer.finding_departments``; docs/security.md)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy import Select, select

from hub import tables
from hub.checks.registry import rules
from hub.checks.runner import severity_of
from hub.clock import utcnow
from hub.policy import Viewer
from hub.quality import QualityScores, Scorecard, Scores
from schema.business_day import past_day
from schema.errors import ForbiddenError, UserInputError
from schema.operators import DateTimeFilter, compare
from schema.pagination import Connection, Ordering, SortField, paginate
from schema.types.finding import Finding, QualityRule, Severity

if TYPE_CHECKING:
    from schema.context import Context

FINDINGS_NEWEST = Ordering("findings:-id", (SortField(tables.findings.c.id, descending=True),))


@strawberry.input(description="Which findings: every given condition must hold.")
class FindingFilter:
    rules: list[str] | None = None
    severities: list[Severity] | None = None
    department_codes: list[str] | None = None
    project_code: str | None = None
    entity: str | None = None
    key: str | None = None
    first_seen: DateTimeFilter | None = None
    resolved_at: DateTimeFilter | None = None
    open: bool | None = strawberry.field(
        default=True, description="true (default): open findings; false: resolved; null: both."
    )


def finding_departments(viewer: Viewer) -> frozenset[str] | None:
    """The departments whose findings ``viewer`` reads (None: all); refused when none."""
    departments = viewer.finding_departments
    if departments is not None and not departments:
        raise ForbiddenError(viewer.role, "read data-check findings")
    return departments


def findings_query(given: FindingFilter | None, viewer: Viewer) -> Select[Any]:
    """The findings ``given`` selects (whole rows) among those ``viewer`` reads."""
    t = tables.findings
    query = select(t)
    departments = finding_departments(viewer)
    if departments is not None:
        query = query.where(t.c.department_code.in_(sorted(departments)))
    given = given or FindingFilter()
    if given.rules:
        known = rules()
        unknown = sorted(set(given.rules) - set(known))
        if unknown:
            raise UserInputError(
                f"findings(filter: {{rules}}): unknown rule {unknown[0]!r}; known: "
                f"{', '.join(known)}",
                code="BAD_FILTER",
            )
        query = query.where(t.c.rule.in_(sorted(given.rules)))
    if given.severities:
        query = query.where(t.c.severity.in_(sorted(s.value for s in given.severities)))
    if given.department_codes:
        query = query.where(t.c.department_code.in_(sorted(given.department_codes)))
    for column, value in (
        (t.c.project_code, given.project_code),
        (t.c.entity, given.entity),
        (t.c.entity_key, given.key),
    ):
        if value is not None:
            query = query.where(column == value)
    for instant, operators in (
        (t.c.first_seen, given.first_seen),
        (t.c.resolved_at, given.resolved_at),
    ):
        if operators is not None:
            query = query.where(compare(instant, operators))
    if given.open is not None:
        query = query.where(
            t.c.resolved_at.is_(None) if given.open else t.c.resolved_at.is_not(None)
        )
    return query


@strawberry.type
class QualityQuery:
    @strawberry.field(
        description="Findings of the data checks (数据检查), newest first (a cursor connection); "
        "by default the open ones."
    )
    async def findings(
        self,
        info: strawberry.Info[Context, None],
        filter: FindingFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Finding]:
        context = info.context
        return await paginate(
            context.store,
            findings_query(filter, context.viewer),
            FINDINGS_NEWEST,
            Finding.from_row,
            first=context.page_size(first),
            after=after,
        )

    @strawberry.field(description="The data-check rules, by name, as configured ([checks]).")
    def quality_rules(self, info: strawberry.Info[Context, None]) -> list[QualityRule]:
        checks = info.context.checks
        finding_departments(info.context.viewer)
        return [
            QualityRule.of(rule, severity_of(rule, checks), name not in checks.disabled)
            for name, rule in rules().items()
        ]

    @strawberry.field(
        description="The quality scorecard per department as of a business day (default: the "
        "configured day, else today in China), with the week before and the trend."
    )
    async def quality_scores(
        self, info: strawberry.Info[Context, None], as_of: date | None = None
    ) -> list[QualityScore]:
        past_day(as_of, "qualityScores")
        context = info.context
        departments = finding_departments(context.viewer)
        day = context.clock.business_day(as_of)
        scores = QualityScores(context.store, context.clock.clock, context.connector_departments)
        return [
            QualityScore.of(card)
            for card in await scores.scorecards(day, utcnow())
            if departments is None or card.department_code in departments
        ]


@strawberry.type(description="A department's data-quality measures at one moment.")
class QualityMeasures:
    timeliness: float | None = strawberry.field(
        description="Share of its filings completed by the day that kept their time limit."
    )
    completeness: float | None = strawberry.field(
        description="Share of its rows (filings by the day, and rejected source rows) stored "
        "with what the catalogue needs."
    )
    consistency: float | None = strawberry.field(
        description="Open data-check findings about its records, per thousand records."
    )
    freshness_hours: float | None = strawberry.field(
        description="Hours since the last successful sync of its sources."
    )

    @classmethod
    def of(cls, scores: Scores) -> QualityMeasures:
        return cls(
            timeliness=scores.timeliness,
            completeness=scores.completeness,
            consistency=scores.consistency,
            freshness_hours=scores.freshness_hours,
        )


@strawberry.type(description="A department's quality scorecard (数据质量) as of a day.")
class QualityScore:
    department_code: str
    as_of: date
    records: int = strawberry.field(description="Its filings by the day and their outcomes.")
    scores: QualityMeasures
    week_before: QualityMeasures = strawberry.field(description="The same, seven days earlier.")
    trend: QualityMeasures = strawberry.field(
        description="scores - weekBefore per measure (null where either is missing)."
    )

    @classmethod
    def of(cls, card: Scorecard) -> QualityScore:
        names = ("timeliness", "completeness", "consistency", "freshness_hours")
        return cls(
            department_code=card.department_code,
            as_of=card.as_of,
            records=card.now.records,
            scores=QualityMeasures.of(card.now),
            week_before=QualityMeasures.of(card.week_before),
            trend=QualityMeasures(**{name: card.trend(name) for name in names}),
        )
