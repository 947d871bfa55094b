"""``idleStats``: idle projects (``hub.idle``) grouped and counted in one SQL ``GROUP BY``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select

from hub import entities, idle, tables
from hub.config import IdleConfig
from schema.filters import FilterScope, ProjectFilter, condition
from schema.live import live
from schema.stats import _count_if, _grouped_rows, _unique
from schema.types.annotation import IdleCause
from schema.types.district import District
from schema.types.enums import to_enum
from schema.types.idle_stats import IdleGroup, IdleStats


async def idle_stats(
    scope: FilterScope,
    config: IdleConfig,
    group_by: Sequence[IdleGroup],
    filter: ProjectFilter | None,
    as_of: date | None,
    months: int | None,
) -> list[IdleStats]:
    """Idle projects as of the day, of those ``filter`` selects, per group: how many, their
    share of all of them, and how many causes were annotated or inferred."""
    day, window = scope.idle_question(as_of, months)
    rule = scope.idle_rule
    table = rule.table(day, window)
    p = tables.projects
    keys: dict[IdleGroup, ColumnElement[Any]] = {
        IdleGroup.CAUSE: table.c.cause,
        IdleGroup.CAUSE_SOURCE: table.c.cause_source,
        IdleGroup.DISTRICT: p.c.district,
        IdleGroup.CATEGORY: p.c.category,
        IdleGroup.FUNDING: p.c.funding,
    }
    chosen = [(group, keys[group].label(group.value)) for group in _unique(group_by)]
    annotated = table.c.cause_source == idle.CauseSource.ANNOTATED.value
    query = (
        select(
            *(label for _, label in chosen),
            func.count().label("count"),
            _count_if(annotated).label("annotated"),
        )
        .select_from(table.join(p, p.c.code == table.c.code))
        .where(live(p), condition(filter, scope))
    )
    rows = await _grouped_rows(rule.store, query, keys, chosen)
    total = sum(int(row.count) for row in rows)
    grouped = {group for group, _ in chosen}

    def key(row: Any, group: IdleGroup) -> Any:
        return getattr(row, group.value) if group in grouped else None

    return [
        IdleStats(
            as_of=day,
            months=window,
            cause=None
            if key(row, IdleGroup.CAUSE) is None
            else IdleCause.of(config, key(row, IdleGroup.CAUSE)),
            cause_source=to_enum(idle.CauseSource, key(row, IdleGroup.CAUSE_SOURCE)),
            district=District.of(key(row, IdleGroup.DISTRICT)),
            category=to_enum(entities.ProjectCategory, key(row, IdleGroup.CATEGORY)),
            funding=to_enum(entities.Funding, key(row, IdleGroup.FUNDING)),
            count=int(row.count),
            share=round(int(row.count) / total, 4) if total else 0.0,
            annotated=int(row.annotated),
            inferred=int(row.count) - int(row.annotated),
        )
        for row in rows
    ]
