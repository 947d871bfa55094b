"""The hub's GraphQL schema (strawberry).

``build_schema()`` assembles it; importing this package defines nothing else and touches no
database. Resolvers expect a ``schema.context.Context`` as the execution context.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from hub.config import ServerConfig
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


def build_schema(server: ServerConfig | None = None, **options: Any) -> strawberry.Schema:
    """The hub's schema with the limits of ``server`` (defaults when None). Unexpected
    exceptions reach clients as a generic message with the request id; errors raised on
    purpose (``schema.errors.UserInputError``) and validation errors keep theirs."""
    from strawberry.tools import merge_types

    from schema.changes import ChangesMutation, ChangesQuery, ChangesSubscription
    from schema.limits import guard_extensions
    from schema.query import Query

    return HubSchema(
        query=merge_types("Query", (Query, ChangesQuery)),
        mutation=ChangesMutation,
        subscription=ChangesSubscription,
        extensions=guard_extensions(server or ServerConfig()),
        **options,
    )


__all__ = ["MASKED_MESSAGE", "HubSchema", "build_schema"]
