"""The operator console (``/console``): server-rendered pages, one module each, on the API's
own GraphQL schema and tokens; ``console_routes`` mounts them, the reports and the static
files (the console's stylesheet and the vendored GraphiQL)."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.schema.base import BaseSchema

from hub.config import HubConfig
from hub.http.console.board import Board
from hub.http.console.login import login, logout
from hub.http.console.overview import Overview, SyncNow
from hub.http.console.page import ConsolePage
from hub.http.console.project import ProjectPage
from hub.http.console.rejects import Rejects
from hub.http.console.reports import ReportsArchive, WeeklyReportFile

STATIC = Path(__file__).parent.parent / "static"
PAGES: tuple[type[ConsolePage], ...] = (Overview, Board, ProjectPage, Rejects, ReportsArchive)


def console_routes(config: HubConfig, schema: BaseSchema) -> list[BaseRoute]:
    pages = [page(config, schema) for page in PAGES]
    sync_now = SyncNow(config)
    reports = WeeklyReportFile(config)
    return [
        Route("/", lambda _request: RedirectResponse("/console", status_code=307)),
        *(Route(page.path, page.handle, methods=list(page.methods)) for page in pages),
        Route("/console/login", login, methods=["GET", "POST"]),
        Route("/console/logout", logout, methods=["POST"]),
        Route(sync_now.path, sync_now.handle, methods=["POST"]),
        Route(reports.path, reports.handle, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
