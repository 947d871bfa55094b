"""What a query would cost, estimated from its text and variables before anything runs.

The estimate walks the selection as if its fragments were written out, without writing them
out: a named fragment is measured once per page size it is spread under and its measure is
then added at every spread, so ten fragments that each spread the next ten times cost ten
measurements, not ten billion (graphql-core merges such spreads when it executes; the
estimate counts them all, as a client that repeats itself should pay for it).

- cost: every field resolved counts 1 (introspection fields nothing), times the number of
  objects its parent stands for: a list field stands for a page of its parent's ``first``
  argument, or the default page size when there is none (at most the maximum page size).
  Each node of an argument's input value counts 1, and an aggregate (a root ``*Stats``
  field: a scan of its whole table) counts ``aggregate_cost``.
- depth: fields with a selection, nested, and aliases: aliased fields, as strawberry's
  validators counted them (which walked every spread again); an introspection field counts
  only its own alias.
- input nodes: the largest argument value, counted in objects and list items; variables are
  counted at their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    value_from_ast_untyped,
)

PAGE_ARGUMENT = "first"
AGGREGATE_SUFFIX = "Stats"
# Root fields that run several aggregates, with how many aggregates each counts for: the weekly
# report runs about two dozen statements, most of them a filingStats.
COMPOSITE_AGGREGATES = {"weeklyReport": 8}


@dataclass(frozen=True)
class PageSizes:
    default: int
    maximum: int

    def of(self, value: Any) -> int:
        """The page a ``first`` value asks for (the default when it is not a number)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return max(0, min(value, self.maximum))
        return self.default


@dataclass(frozen=True)
class Measure:
    """The estimate of one selection (see the module)."""

    cost: int = 0
    depth: int = 0
    aliases: int = 0
    input_nodes: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            self.cost + other.cost,
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            max(self.input_nodes, other.input_nodes),
        )


def value_nodes(value: Any) -> int:
    """Objects and list items in an input value (JSON, as variables arrive)."""
    if isinstance(value, dict):
        return 1 + sum(value_nodes(item) for item in value.values())
    if isinstance(value, list):
        return sum(max(1, value_nodes(item)) for item in value)
    return 0


def value_tokens(value: Any) -> int:
    """The tokens ``value`` would take written as a GraphQL literal."""
    if isinstance(value, dict):
        return 2 + sum(2 + value_tokens(item) for item in value.values())
    if isinstance(value, list):
        return 2 + sum(value_tokens(item) for item in value)
    return 1


class QueryEstimate:
    """Measures one operation of a validated document with the request's variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        pages: PageSizes,
        aggregate_cost: int,
    ) -> None:
        self.schema = schema
        self.pages = pages
        self.aggregate_cost = aggregate_cost
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = dict(variables or {})
        self._measured: dict[tuple[str, int], Measure] = {}
        self._measuring: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return Measure()
        return self._selection(operation.selection_set, root, self.pages.default)

    def _selection(self, selection_set: SelectionSetNode, parent: Any, page: int) -> Measure:
        total = Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selection(selection.selection_set, type_ or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value, page)
        return total

    def _fragment(self, name: str, page: int) -> Measure:
        known = self._measured.get((name, page))
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        # A cycle is a validation error; it must not recurse here while it is reported.
        if fragment is None or name in self._measuring:
            return Measure()
        self._measuring.add(name)
        type_ = self.schema.get_type(fragment.type_condition.name.value)
        measure = self._selection(fragment.selection_set, type_, page) if type_ else Measure()
        self._measuring.discard(name)
        self._measured[(name, page)] = measure
        return measure

    def _field(self, node: FieldNode, parent: Any, page: int) -> Measure:
        name = node.name.value
        aliases = 1 if node.alias else 0
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(name)
        if name.startswith("__") or definition is None:
            return Measure(aliases=aliases)
        arguments = {a.name.value: a.value for a in node.arguments or ()}
        input_nodes = max((self._nodes(v) for v in arguments.values()), default=0)
        own = 1 + input_nodes
        if parent is self.schema.query_type and name.endswith(AGGREGATE_SUFFIX):
            own += self.aggregate_cost
        elif parent is self.schema.query_type and name in COMPOSITE_AGGREGATES:
            own += COMPOSITE_AGGREGATES[name] * self.aggregate_cost
        if node.selection_set is None:
            return Measure(own, 0, aliases, input_nodes)
        child_page = self.pages.default
        if PAGE_ARGUMENT in definition.args:
            first = arguments.get(PAGE_ARGUMENT)
            child_page = self.pages.of(None if first is None else self._value(first))
        objects = page if isinstance(get_nullable_type(definition.type), GraphQLList) else 1
        type_ = get_named_type(definition.type)
        inner = self._selection(node.selection_set, type_, child_page)
        return Measure(
            own + objects * inner.cost,
            1 + inner.depth,
            aliases + inner.aliases,
            max(input_nodes, inner.input_nodes),
        )

    def _value(self, node: ValueNode) -> Any:
        return value_from_ast_untyped(node, self.variables)

    def _nodes(self, node: ValueNode) -> int:
        if isinstance(node, VariableNode):
            return value_nodes(self.variables.get(node.name.value))
        if isinstance(node, ObjectValueNode):
            return 1 + sum(self._nodes(f.value) for f in node.fields)
        if isinstance(node, ListValueNode):
            return sum(max(1, self._nodes(item)) for item in node.values)
        return 0
