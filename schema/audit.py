"""Audit entries of GraphQL reads (``hub.audit``): every answer that holds sensitive fields
read by a role whose reads are audited (``audit_reads``, the supervisor's), with the fields and
how many values of each it held, counted on the answer itself along the operation's selection
(fragments and aliases followed), after execution; the entry is queued, never awaited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from hub.audit import read_entry
from hub.entities import ENTITIES
from hub.policy import Viewer
from schema.engine.internals import graphql_schema
from schema.types.history import camel_case

Fragments = Mapping[str, FragmentDefinitionNode]


def graphql_field(entity: str, name: str) -> tuple[str, str]:
    """The GraphQL type and field that show field ``name`` of ``entity`` (a project's
    ``owner_*`` fields are its ``Owner``'s)."""
    if entity == "project" and name.startswith("owner_"):
        return "Owner", camel_case(name.removeprefix("owner_"))
    type_name = "".join(part.title() for part in entity.split("_"))
    return type_name, camel_case(name)


def sensitive_fields(viewer: Viewer) -> dict[tuple[str, str], str]:
    """(GraphQL type, field) -> ``entity.field`` of the sensitive fields ``viewer`` reads."""
    return {
        graphql_field(entity, name): f"{entity}.{name}"
        for entity, names in viewer.sensitive.items()
        for name in names
        if viewer.rules.sensitive and (entity in ENTITIES or entity == "reject")
    }


def _fields(selection_set: SelectionSetNode | None, fragments: Fragments) -> Iterator[FieldNode]:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


# The fields to look at in an answer: (response key, the field's label if it is a wanted
# one, the plan of the fields below it); only branches that lead to a wanted field.
Plan = list[tuple[str, str | None, "Plan"]]


def plan(
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    fragments: Fragments,
    wanted: Mapping[tuple[str, str], str],
) -> Plan:
    """Where the ``wanted`` fields are in the answer to ``selection_set`` on ``type_``: read
    off the operation, so that counting visits those branches only (a list page's answer
    holds thousands of values, few of them sensitive)."""
    found: Plan = []
    for node in _fields(selection_set, fragments):
        field_def = type_.fields.get(node.name.value)
        if field_def is None:
            continue
        label = wanted.get((type_.name, node.name.value))
        named = get_named_type(field_def.type)
        below: Plan = []
        if isinstance(named, GraphQLObjectType) and node.selection_set is not None:
            below = plan(named, node.selection_set, fragments, wanted)
        if label is not None or below:
            found.append((node.alias.value if node.alias else node.name.value, label, below))
    return found


def count_values(found: Plan, data: Any, counts: Counter[str]) -> None:
    """Add to ``counts`` the non-null values of the planned fields in ``data``."""
    if isinstance(data, list):
        for item in data:
            count_values(found, item, counts)
        return
    if not isinstance(data, dict):
        return
    for key, label, below in found:
        value = data.get(key)
        if value is None:
            continue
        if label is not None:
            items = value if isinstance(value, list) else [value]
            counts[label] += sum(1 for item in items if item is not None)
        if below:
            count_values(below, value, counts)


class ReadAudit(SchemaExtension):
    """Queues an audit entry for an answer that holds sensitive fields (see the module)."""

    def on_execute(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        viewer: Viewer | None = getattr(context, "viewer", None)
        audit = getattr(context, "audit", None)
        result = execution.result
        if viewer is None or audit is None or not viewer.rules.audit_reads:
            return
        if result is None or not result.data or execution.graphql_document is None:
            return
        wanted = sensitive_fields(viewer)
        definitions = execution.graphql_document.definitions
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        name = execution.operation_name
        operation = next(
            (o for o in operations if name is None or (o.name and o.name.value == name)), None
        )
        schema = graphql_schema(execution.schema)
        root = schema.get_root_type(operation.operation) if operation is not None else None
        if operation is None or not isinstance(root, GraphQLObjectType):
            return
        counts: Counter[str] = Counter()
        count_values(plan(root, operation.selection_set, fragments, wanted), result.data, counts)
        counts = +counts  # the fields that held values
        if counts:
            audit.record(
                read_entry(
                    viewer,
                    "read",
                    operation=name or (operation.name.value if operation.name else None),
                    fields=counts,
                    records=max(counts.values()),
                    values=dict(counts),
                )
            )
