"""GraphQL over HTTP details of ``/graphql``: the per-request timeout and the status codes.

Status codes follow the GraphQL-over-HTTP spec: a client that accepts
``application/graphql-response+json`` gets 400 for a request that fails before execution
(unparsable, invalid, over a limit), 504 for one stopped by the timeout, and the response in
that media type; a client that accepts
only ``application/json`` gets 200 with the errors in the body, as the spec requires for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import ExecutionResult

from hub.request_context import current_request_id

log = logging.getLogger(__name__)
GRAPHQL_RESPONSE = "application/graphql-response+json"


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
    return (
        result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
    )


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
