"""The private parts of strawberry that the rest of ``schema`` needs, each reached here once.

Resolvers that look ahead at their selection (``schema.nested``, ``schema.query``) need
graphql-core's resolve info behind strawberry's ``Info``, and code that coerces input outside
execution (``schema.export``, ``schema.nested``) needs the graphql-core schema and strawberry's
scalar registry. strawberry keeps these on private attributes; when one of them moves in a new
release, this module is what changes.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


def graphql_info(info: strawberry.Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind a resolver's ``info``: the field as executed."""
    return info._raw_info


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema that strawberry built and executes."""
    return schema._schema


def scalar_registry(schema: strawberry.Schema) -> Any:
    """strawberry's scalars of ``schema``, as its argument conversion takes them."""
    return schema.schema_converter.scalar_registry


def strawberry_field(field_def: GraphQLField) -> StrawberryField | None:
    """The strawberry field that ``field_def`` was built from (None for introspection)."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None
