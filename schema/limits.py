"""Schema extensions that guard the server and label errors for clients.

- Depth, token and alias limits (strawberry's validators; parse/validation errors), and caches
  of parsed and of validated queries (portals and subscribers repeat a few query texts). Only
  successful parses are cached: a text that fails is parsed again by strawberry, which reports
  the error as usual (strawberry's own parser cache would raise it outside the operation,
  unlabelled).
- ``ClientErrors``: every error gets ``extensions.code``; unexpected errors are masked to a
  generic message with the request id, which the server log shows beside the traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, parse
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)

from hub.config import ServerConfig
from hub.request_context import current_request_id
from schema import MASKED_MESSAGE
from schema.errors import is_intended

log = logging.getLogger("schema")
# Distinct query texts whose validation is kept (portals send a few fixed queries).
QUERY_CACHE_SIZE = 256

# Messages of strawberry's limit validators -> the code clients see.
_LIMIT_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("aliases found", "TOO_MANY_ALIASES"),
    ("tokens. Parsing aborted", "TOO_MANY_TOKENS"),
)


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
    for fragment, code in _LIMIT_CODES:
        if fragment in error.message:
            return code
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

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        context = self.execution_context
        parsed = context.graphql_document is not None
        for error in context.pre_execution_errors or ():
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": _code(error, parsed)}


def guard_extensions(server: ServerConfig) -> list[Any]:
    """The limits of ``server``, the error labelling and the parse and validation caches, as
    schema extensions. The limit rules are built once, so that the validation cache (keyed by
    document and rules) answers a repeated query without validating it again."""
    rules = [
        query_depth_limiter.create_validator(server.max_depth, None),
        max_aliases.create_validator(server.max_aliases),
    ]
    return [
        # Before the parse cache: its parse options (the token limit) are part of the key.
        functools.partial(MaxTokensLimiter, max_token_count=server.max_tokens),
        functools.partial(ParsedQueries, functools.lru_cache(QUERY_CACHE_SIZE)(parse)),
        functools.partial(AddValidationRules, rules),
        functools.partial(ValidationCache, maxsize=QUERY_CACHE_SIZE),
        ClientErrors,
    ]
