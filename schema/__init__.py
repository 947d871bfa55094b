"""The hub's GraphQL schema (strawberry).

``build_schema()`` assembles it; importing this package defines nothing else and touches no
database. Resolvers expect a ``schema.context.Context`` as the execution context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from hub.config import GraphQLConfig, ServerConfig
from schema.engine.accelerated import Accelerated, accelerate_from_environment
from schema.errors import is_intended

if TYPE_CHECKING:
    from schema.persisted import PersistedQueries

MASKED_MESSAGE = "Internal server error."  # then "Quote request id ..." when there is one


class HubSchema(strawberry.Schema):
    """Logs only the errors that are not meant for the client (with their traceback and the
    request id the client is shown)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        from schema.limits import log_unexpected

        for error in errors:
            if not is_intended(error):
                log_unexpected(error)


class AcceleratedHubSchema(Accelerated, HubSchema):
    """The hub's schema with the engine's accelerations (``schema.engine``)."""


def build_schema(
    server: ServerConfig | None = None,
    *,
    accelerate: bool | None = None,
    graphql: GraphQLConfig | None = None,
    persisted: PersistedQueries | None = None,
    **options: Any,
) -> HubSchema:
    """The hub's schema with the limits of ``server`` (defaults when None). Unexpected
    exceptions reach clients as a generic message with the request id; errors raised on
    purpose (``schema.errors.UserInputError``) and validation errors keep theirs.
    ``accelerate=False`` builds plain strawberry, the reference path of ``schema.engine``;
    None (the default) takes ``HUB_ACCELERATE`` from the environment (on unless 0).
    ``graphql`` turns introspection off, and with ``persisted`` (its allow-list, loaded by the
    caller and checked here against the schema) serves persisted queries (``schema.persisted``)."""
    from strawberry.tools import merge_types

    from schema.annotate import AnnotateMutation
    from schema.audit import ReadAudit
    from schema.changes import ChangesMutation, ChangesQuery, ChangesSubscription
    from schema.engine.fast_fields import FastFieldExecutor
    from schema.engine.internals import graphql_schema
    from schema.engine.time_slices import time_sliced
    from schema.limits import guard_extensions
    from schema.lookups import LookupQuery
    from schema.persisted import persisted_query_extension
    from schema.quality import QualityQuery
    from schema.query import Query
    from schema.types.scalars import SCALAR_MAP

    options.setdefault("config", StrawberryConfig(scalar_map=SCALAR_MAP))
    if accelerate is None:
        accelerate = accelerate_from_environment()
    schema_class = AcceleratedHubSchema if accelerate else HubSchema
    # The time slices are a limit, not an acceleration: both paths have them.
    executor = FastFieldExecutor if accelerate else StrawberryGraphQLCoreExecutionContext
    options.setdefault("execution_context_class", time_sliced(executor))
    graphql = graphql or GraphQLConfig()
    production: list[Any] = []
    if persisted is not None:  # first: it may supply the document everything else reads
        production.append(persisted_query_extension(persisted, graphql.only_persisted))
    if not graphql.introspection:
        production.append(DisableIntrospection)
    schema = schema_class(
        # The root types by the names clients expect, whichever modules contribute fields.
        query=merge_types("Query", (Query, ChangesQuery, LookupQuery, QualityQuery)),
        mutation=merge_types("Mutation", (ChangesMutation, AnnotateMutation)),
        subscription=merge_types("Subscription", (ChangesSubscription,)),
        extensions=[*production, *guard_extensions(server or ServerConfig()), ReadAudit],
        **options,
    )
    if persisted is not None:
        persisted.check(graphql_schema(schema))
    return schema


__all__ = ["MASKED_MESSAGE", "AcceleratedHubSchema", "HubSchema", "build_schema"]
