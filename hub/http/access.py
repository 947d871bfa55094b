"""Who a request acts as: the one check every door of the server shares (``/graphql``, its
websocket, ``/export``, ``/metrics``).

A request with ``Authorization: Bearer <token>`` acts as the token's role (``hub.policy``); an
unknown or revoked token is refused with 401 whatever the config says. A request without a
token acts as ``[security] anonymous`` (the ``public`` role by default), unless
``[server] require_token = true``: then it is refused. A token without the ``read`` scope (a push
token) reads as anonymous does.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from hub.auth import authenticate, deny, forbid
from hub.policy import Policy, Viewer

READ_SCOPE = "read"


def has_token(request: HTTPConnection) -> bool:
    return "authorization" in request.headers


async def viewer_for(request: HTTPConnection) -> Viewer | Response:
    """The request's viewer, or the 401/403 response to send."""
    policy: Policy = request.app.state.policy
    store = request.app.state.store
    require = policy.config.server.require_token
    if not has_token(request):
        if require:
            return deny(None, READ_SCOPE)
        return await policy.viewer(store)
    principal = await authenticate(request, store)
    if principal is None:
        return deny(None, READ_SCOPE)
    if not principal.allows(READ_SCOPE):
        if require:
            return deny(principal, READ_SCOPE)
        return await policy.viewer(store, token=principal.name)
    return await policy.viewer(
        store, principal.role, department=principal.department, token=principal.name
    )


async def authorize(request: HTTPConnection) -> Response | None:
    """None when the request may read at all (as ``viewer_for`` decides), else the 401 to
    send: the check of a door that answers everyone who may read alike."""
    found = await viewer_for(request)
    return found if isinstance(found, Response) else None


def refuse(viewer: Viewer, what: str) -> Response:
    """For a door the viewer's role lacks: 401 for anonymous callers (a token may help),
    else 403 naming the role."""
    if viewer.token is None:
        return deny(None, READ_SCOPE)
    return forbid(f"token {viewer.token!r} has the role {viewer.role!r}, which may not {what}")
