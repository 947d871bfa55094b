"""Signing in to the console: a form that takes a hub token and keeps it in an HttpOnly,
SameSite=Strict cookie (``/console/login``), and signing out (``/console/logout``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.auth import principal_of
from hub.http.console.page import error_page, login_page
from hub.http.console.session import COOKIE, READ_SCOPE, form_fields, same_origin

# A day: the token itself is what lasts; signing in again is cheap.
COOKIE_SECONDS = 86_400


def _local(target: str) -> str:
    """Only paths of this site: a login link cannot send the visitor elsewhere."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


async def login(request: Request) -> Response:
    if request.method == "GET":
        return login_page(request, "Sign in with a hub token.", 200)
    if not same_origin(request):
        return error_page(request, 403, "This form must be sent from the console.")
    fields = await form_fields(request)
    token = fields.get("token", "").strip()
    principal = await principal_of(request.app.state.store, token) if token else None
    if principal is None:
        return login_page(request, "That token is not valid (unknown or revoked).", 401)
    if not principal.allows(READ_SCOPE):
        return login_page(request, f"Token {principal.name!r} lacks the scope 'read'.", 403)
    response = RedirectResponse(_local(fields.get("next", "/console")), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def logout(request: Request) -> Response:
    if not same_origin(request):
        return error_page(request, 403, "This form must be sent from the console.")
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
