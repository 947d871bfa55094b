"""Schema extensions that guard the server and label errors for clients.

- The token limit (graphql-core's parser), and caches of parsed and of validated queries
  (portals and subscribers repeat a few query texts). Only successful parses are cached: a
  text that fails is parsed again by strawberry, which reports the error as usual
  (strawberry's own parser cache would raise it outside the operation, unlabelled).
- ``RequestLimits``: after validation, the depth, alias, cost and input-size limits of the
  operation with the request's variables (``schema.cost``), and the token limit over the
  query and its variables together. strawberry's depth and alias validators walked every
  fragment spread again, so a query of ten fragments that each spread the next ten times
  kept the event loop for hours; ``schema.cost`` measures each fragment once.
- (``schema.engine.time_slices`` gives the event loop a turn during a CPU-bound execution, so
  that the request timeout can fire and other requests are answered.)
- ``ClientErrors``: every error gets ``extensions.code``; unexpected errors are masked to a
  generic message with the request id, which the server log shows beside the traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    Lexer,
    Source,
    TokenKind,
    get_operation_ast,
    parse,
)
from strawberry.extensions import (
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from hub.config import ServerConfig
from hub.request_context import current_request_id
from schema import MASKED_MESSAGE
from schema.cost import Measure, PageSizes, QueryEstimate, value_tokens
from schema.errors import LimitError, is_intended

log = logging.getLogger("schema")
# Distinct query texts whose validation is kept (portals send a few fixed queries).
QUERY_CACHE_SIZE = 256
# The parser's message for a query over the token limit -> the code clients see.
_TOKEN_LIMIT_MESSAGE = "tokens. Parsing aborted"


def log_unexpected(error: GraphQLError) -> None:
    """The server's record of an error clients see masked: request id, path and traceback."""
    log.error(
        "request %s: unexpected error at %s: %s",
        current_request_id() or "-",
        ".".join(str(p) for p in error.path or ()) or "(operation)",
        error.message,
        exc_info=error.original_error,
    )


def _code(error: GraphQLError, parsed: bool) -> str:
    if _TOKEN_LIMIT_MESSAGE in error.message:
        return "TOO_MANY_TOKENS"
    if isinstance(error, GraphQLSyntaxError) or not parsed:
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


class ParsedQueries(SchemaExtension):
    """The document of a query text parsed before (see the module)."""

    def __init__(self, parse: Callable[..., DocumentNode]) -> None:
        self.parse = parse

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.parse(context.query, **context.parse_options)
        yield


@functools.lru_cache(QUERY_CACHE_SIZE)
def query_tokens(query: str) -> int:
    """The tokens of a query text, as the parser's limit counts them."""
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


class RequestLimits(SchemaExtension):
    """Refuses a valid operation over the limits of ``server`` before it runs (see the
    module), with one error: the first limit it is over."""

    def __init__(self, server: ServerConfig) -> None:
        self.server = server
        self.pages = PageSizes(server.default_page_size, server.max_page_size)

    def on_validate(self) -> Iterator[None]:
        # strawberry looks at the errors before the hooks' ends run, so this is done on entry,
        # after the validation cache's (the extension before this one) has validated.
        context = self.execution_context
        if not context.pre_execution_errors and context.graphql_document is not None:
            error = self.over_limit(context)
            if error is not None:
                context.pre_execution_errors = [error]
        yield

    def over_limit(self, context: ExecutionContext) -> LimitError | None:
        document = context.graphql_document
        assert document is not None
        operation = get_operation_ast(document, context.operation_name)
        if operation is None:  # execution reports it
            return None
        server = self.server
        measure: Measure = QueryEstimate(
            context.schema._schema, document, context.variables, self.pages, server.aggregate_cost
        ).operation(operation)
        if measure.depth > server.max_depth:
            name = operation.name.value if operation.name else "anonymous"
            return LimitError(
                f"'{name}' exceeds maximum operation depth of {server.max_depth}",
                "QUERY_TOO_DEEP",
            )
        if measure.aliases > server.max_aliases:
            return LimitError(
                f"{measure.aliases} aliases found. Allowed: {server.max_aliases}",
                "TOO_MANY_ALIASES",
            )
        if measure.input_nodes > server.max_input_nodes:
            return LimitError(
                f"an argument's value (a filter, a list) has {measure.input_nodes} objects and"
                f" list items; at most {server.max_input_nodes} are allowed: split the request",
                "FILTER_TOO_LARGE",
                nodes=measure.input_nodes,
                maxNodes=server.max_input_nodes,
            )
        if context.variables and context.query:
            tokens = query_tokens(context.query) + value_tokens(context.variables)
            if tokens > server.max_tokens:
                return LimitError(
                    f"the query and its variables have {tokens} tokens; at most"
                    f" {server.max_tokens} are allowed",
                    "TOO_MANY_TOKENS",
                )
        if measure.cost > server.max_query_cost:
            return LimitError(
                f"the query's estimated cost is {measure.cost}, over the limit of"
                f" {server.max_query_cost}: ask for smaller pages (first), fewer nested lists"
                " or fewer aggregates (*Stats)",
                "QUERY_TOO_COSTLY",
                cost=measure.cost,
                maxCost=server.max_query_cost,
            )
        return None


class ClientErrors(MaskErrors):
    """Masks unexpected errors (logged with their traceback and request id) and gives every
    error a code: parse, validation and limit errors get one from their kind."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: not is_intended(e), error_message="")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = current_request_id()
        return GraphQLError(
            MASKED_MESSAGE + (f" Quote request id {request_id}." if request_id else ""),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # Most subscription events carry no errors, and the base class's check for errors (a
        # runtime protocol check) was a noticeable share of delivering an event.
        if any(getattr(result, name, None) for name in ("errors", "incremental", "completed")):
            yield from super().on_stream_result(result)
        else:
            yield None

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        # Over HTTP once the operation ends, over websockets for each streamed result: both
        # get the same masking and the same codes.
        context = self.execution_context
        validation = context.pre_execution_errors or ()
        parsed = context.graphql_document is not None
        processed: list[GraphQLError] = []
        for error in errors:
            # A literal a scalar refuses (a BigInt beyond 64 bits) fails validation with the
            # scalar's ValueError as original: the client's mistake, not a server error. (An
            # execution error has a path, and may be listed as a pre-execution error too.)
            refused_literal = error.path is None and any(error is v for v in validation)
            if self.should_mask_error(error) and not refused_literal:
                processed.append(self.anonymise_error(error))
                continue
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": _code(error, parsed)}
            processed.append(error)
        return processed


def guard_extensions(server: ServerConfig) -> list[Any]:
    """The limits of ``server``, the error labelling and the parse and validation caches, as
    schema extensions."""
    return [
        # Before the parse cache: its parse options (the token limit) are part of the key.
        functools.partial(MaxTokensLimiter, max_token_count=server.max_tokens),
        functools.partial(ParsedQueries, functools.lru_cache(QUERY_CACHE_SIZE)(parse)),
        functools.partial(ValidationCache, maxsize=QUERY_CACHE_SIZE),
        # After the validation cache: it measures valid operations only.
        functools.partial(RequestLimits, server),
        ClientErrors,
    ]
