"""What an export reads: a root list's rows for a filter and orderBy given as JSON, checked
against the schema's own input types (the same messages as in GraphQL), and the columns and
values written for each row, without GraphQL objects."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    assert_input_type,
)
from graphql.utilities import coerce_input_value, validate_input_value
from sqlalchemy import Select
from strawberry.types.arguments import convert_argument
from strawberry.types.base import get_object_definition

from hub.entities import ENTITIES, camel_case
from hub.policy import Viewer
from schema.engine.internals import graphql_schema, scalar_registry
from schema.errors import UserInputError
from schema.filters import FilterScope
from schema.lists import ROOT_LISTS, RootList
from schema.quality import FINDINGS_NEWEST, FindingFilter, findings_query

PROVENANCE = (("connector", "src_connector"), ("sourceKey", "src_key"), ("syncedAt", "synced_at"))


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """The statement of an export and its output columns (name in the file, row attribute)."""

    query: Select[Any]
    columns: tuple[tuple[str, str], ...]

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]

    def values(self, row: Any) -> list[Any]:
        return [plain(getattr(row, attribute)) for _, attribute in self.columns]


def plain(value: Any) -> Any:
    """A stored value as written to CSV/NDJSON: datetimes as ISO 8601 UTC."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _argument(schema: Any, type_: type, raw: Any, python_type: Any, where: str) -> Any:
    """``raw`` (parsed JSON) coerced through the schema's input type for ``type_`` (a list of
    them when ``python_type`` is list), then converted to strawberry input objects."""
    named = schema.get_type_by_name(get_object_definition(type_, strict=True).name)
    graphql_type: GraphQLInputType = assert_input_type(graphql_schema(schema).get_type(named.name))
    if python_type is list:
        graphql_type = GraphQLList(GraphQLNonNull(graphql_type))
    problems: list[str] = []

    def collect(error: GraphQLError, path: Sequence[str | int]) -> None:
        at = ".".join(str(p) for p in path)
        problems.append(f"{where}{'.' + at if at else ''}: {error.message}")

    validate_input_value(raw, graphql_type, collect)
    if problems:
        raise UserInputError("; ".join(problems), code="BAD_FILTER")
    coerced = coerce_input_value(raw, graphql_type)
    registry, config = scalar_registry(schema), schema.config
    if python_type is list:
        return [convert_argument(item, type_, registry, config) for item in coerced]
    return convert_argument(coerced, type_, registry, config)


def export_plan(
    schema: Any,
    list_name: str,
    filter_json: str | None,
    order_json: str | None,
    scope: FilterScope,
) -> ExportPlan:
    """The plan to export ``list_name`` (e.g. ``projects``) for a JSON filter and orderBy."""
    if list_name == FINDINGS:
        return _findings_plan(schema, filter_json, order_json, scope.viewer)
    root = ROOT_LISTS.get(list_name)
    if root is None:
        exportable = sorted((*ROOT_LISTS, FINDINGS))
        raise UserInputError(
            f"unknown list {list_name!r}; exportable: {', '.join(exportable)}",
            code="BAD_USER_INPUT",
        )
    given = _parse(schema, root, filter_json, order_json)
    ordering = root.ordering(given[1], scope.viewer)
    entity = ENTITIES[_entity_of(root)]
    columns = tuple((camel_case(f.name), f.name) for f in entity.fields) + PROVENANCE
    query = root.query(given[0], scope).order_by(*ordering.order_by())
    return ExportPlan(query, columns)


FINDINGS = "findings"  # the data checks' findings (schema.quality), newest first
FINDING_COLUMNS = tuple(
    (camel_case(name), name)
    for name in (
        "id",
        "rule",
        "severity",
        "entity",
        "entity_key",
        "project_code",
        "department_code",
        "message",
        "details",
        "first_seen",
        "last_seen",
        "resolved_at",
    )
)


def _findings_plan(
    schema: Any, filter_json: str | None, order_json: str | None, viewer: Viewer
) -> ExportPlan:
    if order_json:
        raise UserInputError(
            "orderBy: findings are exported newest first; leave orderBy out", code="BAD_FILTER"
        )
    given = None
    if filter_json:
        given = _argument(schema, FindingFilter, _json("filter", filter_json), object, "filter")
    query = findings_query(given, viewer).order_by(*FINDINGS_NEWEST.order_by())
    return ExportPlan(query, FINDING_COLUMNS)


def _json(where: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{where} is not valid JSON: {exc}", code="BAD_FILTER") from None


def _entity_of(root: RootList) -> str:
    return next(name for name, spec in ENTITIES.items() if spec.table == root.table.name)


def _parse(
    schema: Any, root: RootList, filter_json: str | None, order_json: str | None
) -> tuple[Any, Any]:
    values: list[Any] = []
    for where, text, type_, python_type in (
        ("filter", filter_json, root.filter, object),
        ("orderBy", order_json, root.order.input, list),
    ):
        if not text:
            values.append(None)
            continue
        values.append(_argument(schema, type_, _json(where, text), python_type, where))
    return values[0], values[1]
