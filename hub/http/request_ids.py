"""A request id for every HTTP request: taken from a well-formed ``X-Request-ID`` header or made
up, returned in the response header, available to the code serving the request (the context
variable of ``hub.request_context``) and stamped on every log record, so that the id a client
sees in a masked error finds the server's log lines of that request."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.request_context import REQUEST_ID

HEADER = "x-request-id"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """ASGI middleware that assigns the request id (HTTP and WebSocket)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        request_id = offered if _WELL_FORMED.match(offered) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        # A websocket has no response headers to stamp, and wrapping its send would cost every
        # subscription event a call.
        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            REQUEST_ID.reset(token)
