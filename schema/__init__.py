"""The hub's GraphQL schema (strawberry).

``build_schema()`` assembles it; importing this package defines nothing else and touches no
database. Resolvers expect a ``schema.context.Context`` as the execution context.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from hub.config import ServerConfig
from schema.engine.accelerated import Accelerated, accelerate_from_environment
from schema.errors import is_intended

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
    server: ServerConfig | None = None, *, accelerate: bool | None = None, **options: Any
) -> HubSchema:
    """The hub's schema with the limits of ``server`` (defaults when None). Unexpected
    exceptions reach clients as a generic message with the request id; errors raised on
    purpose (``schema.errors.UserInputError``) and validation errors keep theirs.
    ``accelerate=False`` builds plain strawberry, the reference path of ``schema.engine``;
    None (the default) takes ``HUB_ACCELERATE`` from the environment (on unless 0)."""
    from strawberry.tools import merge_types

    from schema.annotate import AnnotateMutation
    from schema.audit import ReadAudit
    from schema.changes import ChangesMutation, ChangesQuery, ChangesSubscription
    from schema.engine.fast_fields import FastFieldExecutor
    from schema.engine.time_slices import time_sliced
    from schema.limits import guard_extensions
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
    return schema_class(
        query=merge_types("Query", (Query, ChangesQuery, QualityQuery)),
        mutation=merge_types("Mutation", (ChangesMutation, AnnotateMutation)),
        subscription=ChangesSubscription,
        extensions=[*guard_extensions(server or ServerConfig()), ReadAudit],
        **options,
    )


__all__ = ["MASKED_MESSAGE", "AcceleratedHubSchema", "HubSchema", "build_schema"]
