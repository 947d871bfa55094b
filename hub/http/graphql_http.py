"""GraphQL over HTTP details of ``/graphql``: the body size limit, the per-request timeout and
the status codes.

Status codes follow the GraphQL-over-HTTP spec: a client that accepts
``application/graphql-response+json`` gets 400 for a request that fails before execution
(unparsable, invalid, over a limit), 504 for one stopped by the timeout, and the response in
that media type; a client that accepts
only ``application/json`` gets 200 with the errors in the body, as the spec requires for it.
A body over the size limit is refused with 413 whatever the client accepts, before it is
parsed, with the errors of a GraphQL response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.types import ExecutionResult

from hub.errors import ErrorCode, error_body
from hub.request_context import current_request_id

log = logging.getLogger(__name__)
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def within_body_limit(
    scope: Scope, receive: Receive, send: Send, limit: int
) -> Receive | None:
    """A ``receive`` that replays the request body read whole, or None when the body is over
    ``limit`` bytes: then a 413 response has been sent."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    size = int(declared) if declared.isdigit() else 0
    chunks: list[bytes] = []
    more = size <= limit
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        size = sum(map(len, chunks))
        more = message.get("more_body", False) and size <= limit
    if size > limit:
        refusal = f"the request body is larger than {limit} bytes; send a smaller query"
        body = error_body(refusal, ErrorCode.REQUEST_TOO_LARGE, maxBytes=limit)
        await JSONResponse(body, status_code=413)(scope, receive, send)
        return None
    replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

    async def replaying() -> Message:
        return replay.pop() if replay else await receive()

    return replaying


class Admission:
    """At most ``limit`` GraphQL operations execute at once; the others wait their turn, inside
    their request timeout. Executing operations take the event loop in turns, so each one let in
    lengthens every turn for all the rest — a push waiting to be stored included — while one
    waiting here costs nothing."""

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)

    async def run(self, operation: Coroutine[Any, Any, Any]) -> Any:
        try:
            async with self._slots:
                return await operation
        finally:
            operation.close()  # not started when the timeout struck while it waited


async def run_with_timeout(operation: Awaitable[Any], seconds: float) -> Any:
    """The operation's result, or a TIMEOUT error result when it runs longer than ``seconds``
    (its statements are cancelled with it)."""
    try:
        async with asyncio.timeout(seconds):
            return await operation
    except TimeoutError:
        log.warning("request %s: stopped after %s s", current_request_id() or "-", seconds)
        message = f"the request took longer than {seconds:g} s and was stopped; ask for less"
        return ExecutionResult(
            data=None,
            errors=[GraphQLError(message, extensions={"code": "TIMEOUT"})],
        )


def _failed_before_execution(result: ExecutionResult) -> bool:
    if result.data is not None or not result.errors:
        return False
    return all(e.path is None for e in result.errors)


def http_status_for(request: Request, result: ExecutionResult, response: Response) -> None:
    """Set the status and media type of ``response`` for ``result`` (see module docstring)."""
    if GRAPHQL_RESPONSE not in request.headers.get("accept", ""):
        return
    response.media_type = GRAPHQL_RESPONSE
    codes = {(e.extensions or {}).get("code") for e in result.errors or ()}
    if "TIMEOUT" in codes:
        response.status_code = 504
    elif _failed_before_execution(result):
        response.status_code = 400
