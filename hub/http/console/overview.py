"""The console's overview (``/console``): per connector its last run, state, rows, rejects and
lag (``hub status``'s figures), its next scheduled run and a "sync now" button; the open
conflicts and the open data-check findings, newest first. The operator's (a role with
``operations``; docs/security.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from connectors.base import Connector
from connectors.registry import build_connector
from hub.auth import Principal
from hub.errors import HubError, SyncLockedError, UnknownNameError
from hub.http.console.page import FINDING_FRAGMENT, ConsolePage, error_page
from hub.http.console.session import console_principal, console_viewer, refused, same_origin
from hub.schedules import parse_schedule
from hub.status import StreamStatus, connector_status
from hub.store import Store

log = logging.getLogger(__name__)
STATUS_TIMEOUT_SECONDS = 10.0

OPEN = (
    """
query OpenConflictsAndFindings {
  conflicts(unresolved: true, first: 20) {
    totalCount
    nodes { id entity entityKey projectCode field authority connector storedValue offeredValue
            detectedAt }
  }
  findings(first: 20) {
    totalCount
    nodes { ...ConsoleFinding }
  }
}
"""
    + FINDING_FRAGMENT
)


class Overview(ConsolePage):
    path = "/console"
    template = "console/overview.html"
    switch = "operations"

    def next_run(self, name: str) -> datetime | None:
        connector = self.config.connector(name)
        if not connector.enabled or not connector.schedule:
            return None
        trigger = parse_schedule(connector.schedule, connector.timezone)
        now = datetime.now(UTC)
        return trigger.get_next_fire_time(None, now)  # type: ignore[no-any-return]

    async def streams(self, store: Store) -> tuple[list[StreamStatus], str | None]:
        """Each enabled connector's streams as ``hub status`` shows them (the lag asks the
        sources, which may be slow or down: then the note says so)."""
        connectors: list[Connector[Any]] = []
        try:
            connectors = [build_connector(c, self.config) for c in self.config.connectors]
            async with asyncio.timeout(STATUS_TIMEOUT_SECONDS):
                return await connector_status(store, connectors), None
        except TimeoutError:
            return [], f"the sources did not answer within {STATUS_TIMEOUT_SECONDS:g} s"
        except HubError as exc:
            return [], str(exc)
        finally:
            for connector in connectors:
                await connector.close()

    async def values(self, request: Request, principal: Principal) -> Mapping[str, Any]:
        streams, problem = await self.streams(request.app.state.store)
        rows = []
        for status in streams:
            rows.append(
                {
                    "status": status,
                    "next_run": self.next_run(status.connector),
                    "may_sync": True,  # the page is the operator's, who may sync
                }
            )
        data = await self.query(request, OPEN)
        return {
            "rows": rows,
            "problem": problem,
            "conflicts": data["conflicts"],
            "findings": data["findings"],
            "started": request.query_params.get("started"),
        }


class SyncNow:
    """``POST /console/sync/{connector}``: start a sync of the connector now, in the
    background, for a token whose role has ``operations`` (the operator); back to the
    overview."""

    path = "/console/sync/{connector}"

    def __init__(self, config: Any) -> None:
        self.config = config
        self.running: dict[str, asyncio.Task[None]] = {}

    async def handle(self, request: Request) -> Response:
        name = request.path_params["connector"]
        principal = await console_principal(request, request.app.state.store)
        if principal is None:
            return error_page(request, 401, "Sign in with a hub token first.")
        if not same_origin(request):
            return error_page(request, 403, "This form must be sent from the console.", principal)
        problem = refused(await console_viewer(request, principal), "operations")
        if problem is not None:
            return error_page(request, 403, problem, principal)
        try:
            connector = build_connector(self.config.connector(name), self.config)
        except UnknownNameError as exc:
            return error_page(request, 404, str(exc), principal)
        except HubError as exc:
            return error_page(request, 400, str(exc), principal)
        running = self.running.get(name)
        if running is None or running.done():
            engine = request.app.state.runtime.engine
            task = asyncio.create_task(self._sync(engine, connector, principal))
            self.running[name] = task
            background: set[asyncio.Task[None]] = request.app.state.background
            background.add(task)
            task.add_done_callback(background.discard)
        else:
            await connector.close()
        return RedirectResponse(f"/console?started={name}", status_code=303)

    async def _sync(self, engine: Any, connector: Connector[Any], principal: Principal) -> None:
        try:
            report = await engine.sync(connector)
            log.info("console: %s synced %s: %s", principal.name, connector.name, report.state)
        except SyncLockedError:
            log.info("console: %s is already syncing", connector.name)
        finally:
            await connector.close()
