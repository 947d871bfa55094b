"""The reports archive (``/console/reports``) and the reports themselves
(``/reports/weekly/2014-W52.html``, also ``.md``, ``.csv``, ``.json``): a kept report is served
from the reports directory; a week not kept yet is built on request and, once the week is over,
kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.auth import Principal
from hub.config import HubConfig
from hub.errors import UnknownNameError
from hub.http.console.page import ConsolePage, error_page, login_page
from hub.http.console.session import READ_SCOPE, console_principal, console_viewer, refused
from hub.weeks import FutureWeekError, IsoWeek, MalformedWeekError
from schema.report.archive import ReportArchive
from schema.report.render import FORMATS, report_format
from schema.report.weekly import last_complete_week, weekly_report


class ReportsArchive(ConsolePage):
    path = "/console/reports"
    template = "console/reports.html"
    switch = "reports"

    async def values(self, request: Request, principal: Principal) -> Mapping[str, Any] | Response:
        week = request.query_params.get("week")
        if week:  # the form's "open a week": its report page, which explains a bad week
            return RedirectResponse(f"/reports/weekly/{week.strip()}.html", status_code=303)
        today = request.app.state.supervision.business_day()
        archive = ReportArchive(self.config.reports_directory())
        return {
            "kept": archive.kept(),
            "directory": archive.directory,
            "latest": last_complete_week(today),
            "formats": list(FORMATS),
        }


class WeeklyReportFile:
    """``GET /reports/weekly/{week}.{format}`` for a token with ``read`` whose role reads the
    weekly report (a supervisor's or an operator's)."""

    path = "/reports/weekly/{name}"

    def __init__(self, config: HubConfig) -> None:
        self.config = config

    async def handle(self, request: Request) -> Response:
        store = request.app.state.store
        principal = await console_principal(request, store)
        if principal is None:
            return login_page(request, "Sign in with a hub token to read the reports.", 401)
        if not principal.allows(READ_SCOPE):
            message = f"Token {principal.name!r} lacks the scope {READ_SCOPE!r}."
            return error_page(request, 403, message, principal)
        problem = refused(await console_viewer(request, principal), "reports")
        if problem is not None:
            return error_page(request, 403, problem, principal)
        stem, _, suffix = request.path_params["name"].rpartition(".")
        if not stem:
            stem, suffix = suffix, "html"
        try:
            chosen = report_format(suffix)
            week = IsoWeek.parse(stem)
        except UnknownNameError as exc:
            return error_page(request, 404, str(exc), principal)
        except MalformedWeekError as exc:
            return error_page(request, 400, str(exc), principal)
        archive = ReportArchive(self.config.reports_directory())
        kept = archive.path(week, suffix)
        if kept.is_file():
            return Response(kept.read_bytes(), media_type=chosen.media_type)
        try:
            report = await weekly_report(store, self.config, week)
        except FutureWeekError as exc:
            return error_page(request, 404, str(exc), principal)
        if week.sunday < request.app.state.supervision.business_day():
            archive.keep(report)
        return Response(chosen.render(report), media_type=chosen.media_type)
