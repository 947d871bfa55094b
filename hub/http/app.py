"""The Starlette application: ``/graphql``, ``/healthz``, ``/metrics`` (Prometheus), ``/ingest``
(pushed records) and ``/export`` (streaming CSV/NDJSON).

This is the composition root of the server: it wires the store into the GraphQL schema and runs
the hub's runtime (``hub.runtime``) for its lifespan, which creates the store from the config
unless one is passed in, migrates it on start and disposes of the one it created at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from connectors.push import PushConnector
from hub.auth import deny
from hub.authenticity import KeyRing
from hub.config import HttpConfig, HubConfig, RoleConfig
from hub.http.access import viewer_for
from hub.http.console import console_routes
from hub.http.export import ExportEndpoint
from hub.http.graphql_http import (
    Admission,
    http_status_for,
    run_with_timeout,
    within_body_limit,
)
from hub.http.ingest import IngestEndpoint
from hub.http.metrics import MetricsEndpoint
from hub.http.request_ids import HEADER, RequestIdMiddleware
from hub.http.request_metrics import RequestMetrics, RequestMetricsMiddleware
from hub.http.verify import VerifyEndpoint
from hub.policy import Viewer
from hub.runtime import open_runtime
from hub.store import Store
from jobs.scheduled import scheduled_jobs
from schema import build_schema
from schema.context import Context
from schema.engine.view import AcceleratedView
from schema.persisted import PersistedQueries

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_SECONDS = 5.0
GRAPHIQL_PAGE = Path(__file__).parent / "templates" / "graphiql.html"
PAGE_ONLY = Viewer(role="graphiql", rules=RoleConfig(data="none"))


class HubGraphQL(AcceleratedView[Context, None]):
    """strawberry's ASGI view (with the websocket delivery of an accelerated schema) with the
    hub's per-request context, access check, per-request timeout and the status codes of
    GraphQL over HTTP."""

    def __init__(self, config: HubConfig, **options: Any) -> None:
        given = config.graphql.persisted_queries
        persisted = None if given is None else PersistedQueries.load(config.resolve_path(given))
        super().__init__(
            build_schema(config.server, graphql=config.graphql, persisted=persisted),
            graphql_ide="graphiql" if config.server.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            **options,
        )
        self.config = config
        self.admission = Admission(config.server.max_concurrent_operations)
        self.keys = KeyRing.from_config(config)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(GRAPHIQL_PAGE.read_text(encoding="utf-8"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = self._ide_page(scope)
        if page and self.config.security.graphiql_anonymous:
            # The page holds no data: it is rendered for a viewer that may read none.
            HTTPConnection(scope).state.viewer = PAGE_ONLY
        elif scope["type"] in ("http", "websocket"):
            connection = HTTPConnection(scope)
            viewer = await viewer_for(connection)
            denied: Response | None = None
            if not isinstance(viewer, Viewer):
                denied = viewer
            elif page and viewer.token is None:
                # ``[security] graphiql_anonymous = false``: the page only for token holders
                denied = deny(None, "read")
            else:
                connection.state.viewer = viewer
            if denied is not None:
                if scope["type"] == "http":
                    await denied(scope, receive, send)
                else:  # closing before accepting answers the handshake with 403
                    await WebSocket(scope, receive, send).close(code=1008)
                return
        if scope["type"] == "http":
            limited = await within_body_limit(
                scope, receive, send, self.config.server.max_body_bytes
            )
            if limited is None:
                return
            receive = limited
        await super().__call__(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET of a persisted query has no query text either, but is no visit of GraphiQL.
        return request.query_params.get("extensions") is None and bool(
            super().should_render_graphql_ide(request)
        )

    def _ide_page(self, scope: Scope) -> bool:
        """A browser's GET of the GraphiQL page itself: it holds no data (its queries bring the
        token in their header), so it is served without one."""
        if scope["type"] != "http" or scope["method"] != "GET" or self.graphql_ide is None:
            return False
        request = Request(scope)
        accept = request.headers.get("accept", "")
        # strawberry's own test (should_render_graphql_ide), on the raw request; a persisted
        # query's GET (extensions, no query) is a query, and needs its token
        params = request.query_params
        return (
            params.get("query") is None
            and params.get("extensions") is None
            and ("text/html" in accept or "*/*" in accept)
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context.create(
            request.app.state.store,
            self.config.server,
            request=request,
            response=response,
            connector_departments={c.name: c.department for c in self.config.connectors},
            supervision=request.app.state.supervision,
            viewer=request.state.viewer,
            audit=request.app.state.audit,
            idle=self.config.idle,
            checks=self.config.checks,
            keys=self.keys,
        )

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        return await run_with_timeout(
            self.admission.run(super().execute_operation(*args, **kwargs)),
            self.config.server.request_timeout_seconds,
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        request.state.sub_response = sub_response
        return sub_response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type:
            response.headers["content-type"] = sub_response.media_type
        return response

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        body = await super().process_result(request, result)
        http_status_for(request, result, request.state.sub_response)
        return body


async def healthz(request: Request) -> JSONResponse:
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        return JSONResponse({"status": "unavailable", "reason": "not started"}, status_code=503)
    try:
        await asyncio.wait_for(store.ping(), HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check failed: %r", exc)
        reason = "store timed out" if isinstance(exc, TimeoutError) else "store unreachable"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ok"})


def cors_middleware(http: HttpConfig) -> list[Middleware]:
    """CORS for portals on other origins (``[http] cors_origins``), outermost: a preflight is
    answered before the token check, which a browser's preflight cannot pass."""
    if not http.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=http.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", HEADER],
            expose_headers=[HEADER],  # the id a masked error asks the user to quote
            allow_credentials=http.cors_allow_credentials,
            max_age=http.cors_max_age_seconds,
        )
    ]


def create_app(
    config: HubConfig, *, store: Store | None = None, run_scheduler: bool = False
) -> Starlette:
    """The hub's ASGI app. A passed-in ``store`` is migrated on start but not disposed;
    ``run_scheduler`` also runs the connectors' scheduled syncs in this process."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs = scheduled_jobs(config) if run_scheduler else []
        async with open_runtime(config, store, serve_feed=True, jobs=jobs) as runtime:
            # What the endpoints and the schema's resolvers read from ``app.state``.
            app.state.runtime = runtime
            app.state.store = runtime.store
            app.state.bus = runtime.bus
            app.state.feed = runtime.feed
            app.state.webhooks = runtime.webhooks
            app.state.supervision = runtime.supervision
            app.state.policy = runtime.policy
            app.state.audit = runtime.audit
            # Work requests start and leave running (the console's "sync now"): stopped and
            # waited for before the runtime closes the store under them.
            app.state.background = set()
            try:
                yield
            finally:
                for task in app.state.background:
                    task.cancel()
                await asyncio.gather(*app.state.background, return_exceptions=True)
                app.state.store = None

    graphql = HubGraphQL(config)
    request_metrics = RequestMetrics()
    ingest = IngestEndpoint(
        config,
        {
            c.name: PushConnector(c, config)
            for c in config.connectors
            if c.kind == PushConnector.kind and c.enabled
        },
    )
    return Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Route(
                "/metrics",
                MetricsEndpoint(config.server, request_metrics.registry).handle,
                methods=["GET"],
            ),
            Route("/ingest/{connector}/{stream}", ingest.handle, methods=["POST"]),
            Route("/verify", VerifyEndpoint(config).handle, methods=["POST"]),
            Route(
                "/export/{list}.{format}",
                ExportEndpoint(config.server, graphql.schema).handle,
                methods=["GET", "POST"],
            ),
            *console_routes(config, graphql.schema),
        ],
        middleware=[
            *cors_middleware(config.http),
            Middleware(RequestIdMiddleware),
            Middleware(RequestMetricsMiddleware, metrics=request_metrics),
        ],
        lifespan=lifespan,
    )
