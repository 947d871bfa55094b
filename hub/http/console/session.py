"""Who uses the console: a token, from the ``Authorization: Bearer`` header or from the
HttpOnly cookie the login form sets (the same tokens as the API, ``hub.auth``). Forms that
change something (login, logout, sync now) must come from the console's own pages: the cookie
is ``SameSite=Strict`` and a POST whose ``Origin`` is another site is refused."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from hub.auth import Principal, authenticate, principal_of
from hub.policy import Policy, Viewer
from hub.store import Store

COOKIE = "hub_token"
READ_SCOPE = "read"
MAX_FORM_BYTES = 16_384


async def console_principal(request: Request, store: Store) -> Principal | None:
    """The principal of the request's bearer token, else of its console cookie."""
    principal = await authenticate(request, store)
    if principal is not None:
        return principal
    token = request.cookies.get(COOKIE, "")
    return await principal_of(store, token) if token.strip() else None


async def console_viewer(request: Request, principal: Principal) -> Viewer:
    """The principal's viewer (``hub.policy``): what its role may see and do in the console,
    and as whom the pages' own queries read."""
    policy: Policy = request.app.state.policy
    return await policy.viewer(
        request.app.state.store,
        principal.role,
        department=principal.department,
        token=principal.name,
    )


def refused(viewer: Viewer, switch: str) -> str | None:
    """Why ``viewer`` may not use a console door that needs the role's ``switch``
    (``operations``: overview, rejects, sync now; ``supervise``: board, report, project;
    ``reports``: a supervisor's or an operator's), else None."""
    rules = viewer.rules
    allowed = viewer.reads_reports if switch == "reports" else bool(getattr(rules, switch))
    if allowed:
        return None
    return f"Token {viewer.token!r} has the role {viewer.role!r}, which may not use this page."


def same_origin(request: Request) -> bool:
    """Whether a POST comes from the console's own origin (browsers send ``Origin``; a
    request without one, as from curl with a bearer token, is not a cross-site form)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.url.netloc and parts.scheme == request.url.scheme


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a small urlencoded form (the first value of each)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}
