"""Errors the GraphQL layer raises on purpose: their message reaches the client unchanged.

Anything else a resolver raises is masked (see ``schema.build_schema``): the client gets a generic
message, the server log keeps the original with its traceback.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class UserInputError(GraphQLError):
    """A request the client can fix: a bad argument, an invalid cursor, a page too large."""

    def __init__(self, message: str, *, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message, extensions={"code": code})


class InvalidCursorError(UserInputError):
    def __init__(self, cursor: str) -> None:
        shown = cursor if len(cursor) <= 40 else cursor[:37] + "..."
        super().__init__(
            f"invalid cursor {shown!r}: pass an endCursor returned by this same connection",
            code="INVALID_CURSOR",
        )


class LimitError(GraphQLError):
    """Raised when a request is over one of the server's limits (``schema.limits``); the
    details (the limit, the request's figure) are extensions beside the code."""

    def __init__(self, message: str, code: str, **details: Any) -> None:
        super().__init__(message, extensions={"code": code, **details})


def is_intended(error: GraphQLError) -> bool:
    """True for errors whose message is meant for the client: validation errors (no original
    exception) and the GraphQLErrors resolvers raise on purpose."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class ForbiddenError(GraphQLError):
    """Raised when the request's role may not do what a field does (``hub.policy``)."""

    def __init__(self, role: str, what: str) -> None:
        super().__init__(
            f"the role {role!r} may not {what}; use a token whose role may (docs/security.md)",
            extensions={"code": "FORBIDDEN", "role": role},
        )
