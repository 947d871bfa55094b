"""The hub's GraphQL schema (strawberry).

``build_schema()`` assembles it; importing this package defines nothing else and touches no
database. Resolvers expect a ``schema.context.Context`` as the execution context.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.config import ServerConfig
from hub.ws_frames import SharedFrames
from schema.errors import is_intended
from schema.fast_fields import FastFieldExecutor, streamline
from schema.live_delivery import LiveDelivery
from schema.shared_events import ResultCache, shared_event_executor

MASKED_MESSAGE = "Internal server error."  # then "Quote request id ..." when there is one


class HubSchema(strawberry.Schema):
    """Logs only the errors that are not meant for the client (with their traceback and the
    request id the client is shown), resolves plain fields directly (``schema.fast_fields``)
    and executes each subscription event once per distinct subscription
    (``schema.shared_events``), sending it on to further subscribers directly
    (``schema.live_delivery``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", FastFieldExecutor)
        super().__init__(*args, **kwargs)
        streamline(self)
        self.event_results = ResultCache()
        self.frames = SharedFrames()
        self.live = LiveDelivery(self.event_results, self.frames)
        self._subscription_executor = shared_event_executor(
            self.execution_context_class, self.event_results
        )

    def _stream(
        self,
        execution_context: ExecutionContext,
        extensions_runner: Any,
        middleware_manager: Any,
        execution_context_class: Any = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> Any:
        # strawberry hands this executor class only to subscriptions (queries and mutations
        # over a websocket use the schema's own), so swapping it here shares event results
        # without touching query execution.
        return super()._stream(
            execution_context,
            extensions_runner,
            middleware_manager,
            self._subscription_executor,
            operation_extensions,
        )

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
    from schema.limits import guard_extensions, time_sliced
    from schema.query import Query
    from schema.types.scalars import SCALAR_MAP

    options.setdefault("config", StrawberryConfig(scalar_map=SCALAR_MAP))
    options.setdefault("execution_context_class", time_sliced(FastFieldExecutor))
    return HubSchema(
        query=merge_types("Query", (Query, ChangesQuery)),
        mutation=ChangesMutation,
        subscription=ChangesSubscription,
        extensions=guard_extensions(server or ServerConfig()),
        **options,
    )


__all__ = ["MASKED_MESSAGE", "HubSchema", "build_schema"]
