"""Fields resolved without the generic per-field machinery where nothing else can happen.

A list page selects a few hundred objects with a handful of fields each, and most of a
request's time went into that machinery rather than into the data:

- a scalar field cost graphql-core a path, a resolve info, strawberry's resolver wrapper, an
  awaitable check and leaf completion -- for an attribute read and a ``serialize``;
- a field with a resolver but no arguments (``Filing.matter``) cost strawberry an argument
  conversion, an extension chain and an ``Info`` before calling the function.

``streamline`` prepares a schema once: it records, per object type, the plain leaf fields
(strawberry fields without a resolver, arguments, extensions or exception handlers, of a
scalar or enum type), which ``FastFieldExecutor`` completes in place; and it gives each
synchronous resolver without arguments or extensions a direct caller. Every other field, and
any leaf whose value would be an error (null for a non-null type, a value the scalar
rejects), goes through the ordinary path, so results and errors are the same
(``tests/schema/engine/test_fast_fields.py`` compares them with strawberry's own execution).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from strawberry import Schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import StrawberryArgument, convert_argument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField

from schema.engine.internals import graphql_schema, scalar_registry, strawberry_field


class LeafPlan(NamedTuple):
    """How to complete one plain leaf field: read ``name`` with ``read``, then ``serialize``."""

    read: Callable[[Any, str], Any]
    name: str
    serialize: Callable[[Any], Any]
    non_null: bool


LeafPlans = dict[str, dict[str, LeafPlan]]  # {type name: {field name: plan}}

# The leaf plans of each streamlined schema.
_plans: WeakKeyDictionary[GraphQLSchema, LeafPlans] = WeakKeyDictionary()


def streamline(schema: Schema) -> None:
    """Prepare ``schema`` for ``FastFieldExecutor`` (see the module). Schemas with exception
    handlers are left as they are: their fields catch errors in strawberry's wrapper."""
    if schema.exception_handlers:
        return
    plans: LeafPlans = {}
    graphql = graphql_schema(schema)
    for type_ in graphql.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        leaves: dict[str, LeafPlan] = {}
        for name, field_def in type_.fields.items():
            definition = _definition(field_def)
            if definition is None:
                continue
            if (plan := _leaf_plan(field_def, definition)) is not None:
                leaves[name] = plan
            elif (resolve := _direct_resolver(field_def, definition, schema)) is not None:
                field_def.resolve = resolve
        if leaves:
            plans[type_.name] = leaves
    _plans[graphql] = plans


def _definition(field_def: GraphQLField) -> StrawberryField | None:
    """The strawberry field of ``field_def``, when it has no extensions."""
    definition = strawberry_field(field_def)
    if definition is None or definition.extensions:
        return None
    return definition


def _leaf_plan(field_def: GraphQLField, definition: StrawberryField) -> LeafPlan | None:
    if definition.base_resolver is not None or field_def.args:
        return None
    non_null = isinstance(field_def.type, GraphQLNonNull)
    leaf = get_nullable_type(field_def.type)
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    serialize = _enum_serializer(leaf) if isinstance(leaf, GraphQLEnumType) else leaf.serialize
    return LeafPlan(definition.default_resolver, definition.python_name, serialize, non_null)


def _enum_serializer(enum_type: GraphQLEnumType) -> Callable[[Any], Any]:
    """A member -> name lookup; anything else (a raw value, an unknown member) is left to the
    type's own ``serialize``, which knows how to fail."""
    names = {
        member: member.name
        for member in getattr(enum_type, "wrapped_cls", ())
        if isinstance(member, enum.Enum) and member.name in enum_type.values
    }

    def serialize(value: Any) -> Any:
        try:
            return names[value]
        except (KeyError, TypeError):
            return enum_type.serialize(value)

    return serialize


def _direct_resolver(
    field_def: GraphQLField, definition: StrawberryField, schema: Schema
) -> Callable[..., Any] | None:
    """A caller of a synchronous resolver that passes what it asks for (its arguments,
    converted as strawberry converts them; self, parent or root: the source; info:
    strawberry's ``Info``) -- what strawberry's wrapper ends up doing for such a field, without
    re-deriving each argument's name and type on every call."""
    resolver = definition.base_resolver
    if resolver is None or definition.is_async:
        return None
    function: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]
    takes_self = resolver.self_parameter is not None
    source_names = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    info_class = schema.config.info_class
    arguments = [_argument_plan(argument, schema) for argument in definition.arguments]

    def resolve(source: Any, info: Any, **values: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=definition)
        kwargs: dict[str, Any] = dict.fromkeys(source_names, source)
        for argument in arguments:
            if argument.name in values:
                kwargs[argument.python_name] = argument.convert(
                    values[argument.name], strawberry_info
                )
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        return function(source, **kwargs) if takes_self else function(**kwargs)

    return resolve


class ArgumentPlan(NamedTuple):
    """One argument of a resolver: its GraphQL and Python names and its conversion."""

    name: str
    python_name: str
    convert: Callable[[Any, Any], Any]


def _argument_plan(argument: StrawberryArgument, schema: Schema) -> ArgumentPlan:
    """The argument's names and type, resolved once; None stays None for an optional argument
    (a ``Maybe`` wraps it), everything else takes strawberry's own conversion."""
    name = schema.config.name_converter.from_argument(argument)
    type_ = argument.type
    optional = isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe)
    registry = scalar_registry(schema)

    def convert(value: Any, info: Any) -> Any:
        if value is None and optional:
            return None
        return convert_argument(value, type_, registry, schema.config, info, path=(name,))

    return ArgumentPlan(name, argument.python_name, convert)


class FastFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, completing plain leaf fields in place (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager and self.middleware_manager.middlewares
        # Field middleware must see every field, so it turns the shortcut off.
        self.leaf_plans: LeafPlans = {} if middleware else _plans.get(self.schema, {})

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plans = self.leaf_plans.get(parent_type.name)
        if not plans:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # Every response key is placed now, so that the others' results, filled in later,
        # keep the selection's order (the spec's).
        results: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            plan = plans.get(field_details_list[0].node.name.value)
            value = Undefined if plan is None else _complete(plan, source_value)
            results[response_name] = value
            if value is Undefined:
                rest[response_name] = field_details_list
        if not rest:
            return results
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(others):
            return _merge_when_done(results, rest, others)
        return _merge(results, rest, others)  # type: ignore[arg-type]


def _complete(plan: LeafPlan, source: Any) -> Any:
    """The serialized value, or Undefined when the ordinary path must decide (errors)."""
    try:
        value = plan.read(source, plan.name)
        if value is None:
            return Undefined if plan.non_null else None
        serialized = plan.serialize(value)
    except Exception:  # the ordinary path raises it again, located and labelled
        return Undefined
    return Undefined if serialized is None else serialized


async def _merge_when_done(
    results: dict[str, Any], rest: GroupedFieldSet, others: Any
) -> dict[str, Any]:
    return _merge(results, rest, await others)


def _merge(
    results: dict[str, Any], rest: GroupedFieldSet, others: dict[str, Any]
) -> dict[str, Any]:
    """``results`` with the other fields' values in their places; a field the ordinary path
    leaves out (not in the schema) is left out here too."""
    results.update(others)
    if len(others) < len(rest):
        for name in rest.keys() - others.keys():
            del results[name]
    return results
