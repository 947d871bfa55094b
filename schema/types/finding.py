"""Finding and QualityRule: what the data checks (数据检查, ``hub.checks``) found, and the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from hub.checks.base import CheckRule, Severity
from schema.types.enums import member
from schema.types.scalars import JSON, utc

strawberry.enum(Severity, description="How bad a finding is.")


@strawberry.type(
    description="A problem a data-check rule found in a record: open while the rule keeps "
    "finding it, closed (resolvedAt) by the first check that no longer does."
)
class Finding:
    id: int
    rule: str
    severity: Severity
    entity: str = strawberry.field(description="filing, project, outcome, ... or source.")
    key: str = strawberry.field(description="The record's key (a connector's name for a source).")
    project_code: str | None
    department_code: str | None = strawberry.field(
        description="The department responsible for the data."
    )
    message: str
    details: JSON | None
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Finding:
        return cls(
            id=row.id,
            rule=row.rule,
            severity=member(Severity, row.severity),
            entity=row.entity,
            key=row.entity_key,
            project_code=row.project_code,
            department_code=row.department_code,
            message=row.message,
            details=row.details,
            first_seen=utc(row.first_seen),
            last_seen=utc(row.last_seen),
            resolved_at=utc(row.resolved_at),
        )


@strawberry.type(description="A data-check rule: what it checks and how it is configured.")
class QualityRule:
    name: str
    description: str
    entity: str
    severity: Severity = strawberry.field(description="As configured ([checks] severity).")
    default_severity: Severity
    enabled: bool

    @classmethod
    def of(cls, rule: CheckRule, severity: Severity, enabled: bool) -> QualityRule:
        return cls(
            name=rule.name,
            description=rule.description,
            entity=rule.entity,
            severity=severity,
            default_severity=rule.severity,
            enabled=enabled,
        )
