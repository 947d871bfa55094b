"""Who may read the API: the one check ``/graphql`` and ``/export`` share.

Anonymous reads are allowed unless ``[server] require_token = true``; then the request needs a
bearer token with the ``read`` scope (``hub.auth``).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from hub.auth import authenticate, deny
from hub.config import ServerConfig
from hub.store import Store

READ_SCOPE = "read"


async def authorize(request: HTTPConnection, server: ServerConfig, store: Store) -> Response | None:
    """None when the request may read; otherwise the 401/403 response to send."""
    if not server.require_token:
        return None
    principal = await authenticate(request, store)
    if principal is None or not principal.allows(READ_SCOPE):
        return deny(principal, READ_SCOPE)
    return None
