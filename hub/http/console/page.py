"""The console's pages (``ConsolePage``, one module each): each checks the visitor's token,
reads what it shows through the GraphQL schema the API serves (so a page shows what the
API answers) and renders a Jinja2 template of ``hub/http/templates``."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates
from strawberry.schema.base import BaseSchema

from hub.auth import Principal
from hub.config import HubConfig
from hub.errors import HubError
from hub.http.console.session import READ_SCOPE, console_principal, console_viewer, refused
from hub.policy import Viewer
from schema.context import Context

log = logging.getLogger(__name__)
USER_ERRORS = {"BAD_USER_INPUT", "INVALID_CURSOR"}
# What the console shows of a finding (templates/console/_findings.html), in any page's query.
FINDING_FRAGMENT = """
fragment ConsoleFinding on Finding {
  id rule severity entity key projectCode departmentCode message firstSeen
}
"""
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


class PageError(HubError, ValueError):
    """Raised when a console page cannot be shown as asked (an unknown project, a bad day);
    the page answers with ``status`` and the message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class QueryFailedError(HubError, RuntimeError):
    """Raised when a console page's own GraphQL query fails (a bug, or the store is down)."""

    def __init__(self, page: str, messages: list[str]) -> None:
        super().__init__(f"console page {page}: its query failed: {'; '.join(messages)}")


def render(
    request: Request,
    template: str,
    values: Mapping[str, Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, dict(values), status_code=status, headers=dict(headers or {})
    )


def login_page(request: Request, message: str, status: int) -> HTMLResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="xietong-hub"'} if status == 401 else {}
    return render(
        request,
        "console/login.html",
        {"message": message, "next": request.url.path, "principal": None},
        status,
        headers,
    )


def error_page(request: Request, status: int, message: str, principal: Any = None) -> HTMLResponse:
    return render(
        request, "console/error.html", {"message": message, "principal": principal}, status
    )


class ConsolePage(ABC):
    """A page of the console at ``path``, for tokens with ``scope`` whose role has ``switch``
    (``hub.http.console.session.refused``)."""

    path: ClassVar[str]
    template: ClassVar[str]
    scope: ClassVar[str] = READ_SCOPE
    switch: ClassVar[str]
    methods: ClassVar[tuple[str, ...]] = ("GET",)

    def __init__(self, config: HubConfig, schema: BaseSchema) -> None:
        self.config = config
        self.schema = schema

    async def query(self, request: Request, text: str, **variables: Any) -> dict[str, Any]:
        """The data of one of the page's own GraphQL queries, run as the API runs it for the
        signed-in token's role."""
        app = request.app
        context = Context.create(
            app.state.store,
            self.config.server,
            connector_departments={c.name: c.department for c in self.config.connectors},
            supervision=app.state.supervision,
            viewer=request.state.console_viewer,
            audit=app.state.audit,
        )
        result = await self.schema.execute(text, variable_values=variables, context_value=context)
        if result.errors:
            codes = {(error.extensions or {}).get("code") for error in result.errors}
            if codes <= USER_ERRORS:  # a bad parameter of the page (a cursor, a day)
                raise PageError(400, "; ".join(error.message for error in result.errors))
            raise QueryFailedError(self.path, [error.message for error in result.errors])
        assert result.data is not None
        return result.data

    async def handle(self, request: Request) -> Response:
        principal = await console_principal(request, request.app.state.store)
        if principal is None:
            return login_page(request, "Sign in with a hub token to see the console.", 401)
        if not principal.allows(self.scope):
            message = f"Token {principal.name!r} lacks the scope {self.scope!r} this page needs."
            return error_page(request, 403, message, principal)
        viewer: Viewer = await console_viewer(request, principal)
        problem = refused(viewer, self.switch)
        if problem is not None:
            return error_page(request, 403, problem, principal)
        request.state.console_viewer = viewer
        try:
            values = await self.values(request, principal)
        except PageError as exc:
            return error_page(request, exc.status, str(exc), principal)
        except QueryFailedError as exc:
            log.error("%s", exc)
            return error_page(request, 500, "The page could not be built; the log says why.")
        if isinstance(values, Response):
            return values
        return render(request, self.template, {"principal": principal, **values})

    @abstractmethod
    async def values(self, request: Request, principal: Principal) -> Mapping[str, Any] | Response:
        """What the template shows (or a response of its own, such as a redirect)."""
