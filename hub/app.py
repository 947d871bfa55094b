"""The Starlette application: ``/graphql``, ``/healthz``, ``/metrics`` (Prometheus), ``/ingest``
(pushed records) and ``/export`` (streaming CSV/NDJSON).

This is a composition root: it wires the store into the GraphQL schema. The lifespan owns the
store: it creates one from the config unless one is passed in, migrates it on start and disposes
of the one it created at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from connectors.push import PushConnector
from connectors.registry import build_connector
from hub.access import authorize
from hub.bus import create_bus
from hub.config import HubConfig
from hub.export import ExportEndpoint
from hub.feed_reader import FeedReader
from hub.graphql_http import http_status_for, run_with_timeout, within_body_limit
from hub.ingest import IngestEndpoint
from hub.metrics import MetricsEndpoint
from hub.request_ids import RequestIdMiddleware
from hub.request_metrics import RequestMetrics, RequestMetricsMiddleware
from hub.store import Store
from hub.sync import CommitHook, SyncEngine
from hub.webhooks import DeliverySettings, Webhooks, WebhookWorker
from hub.ws_frames import SharedFrames
from jobs.sync_jobs import SyncJobs
from schema import build_schema
from schema.context import Context
from schema.live_delivery import LiveOperationHandler

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_SECONDS = 5.0


class HubGraphQL(GraphQL):
    """strawberry's ASGI view with the hub's per-request context, access check, per-request
    timeout, the status codes of GraphQL over HTTP, and subscription frames whose payload is
    serialized once for all the subscribers it reaches."""

    graphql_transport_ws_handler_class = LiveOperationHandler

    def __init__(self, config: HubConfig, **options: Any) -> None:
        super().__init__(
            build_schema(config.server),
            graphql_ide="graphiql" if config.server.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            **options,
        )
        self.config = config
        self.frames: SharedFrames = self.schema.frames  # type: ignore[attr-defined]

    def encode_json(self, data: object) -> str | bytes:
        frame = self.frames.encode(data) if isinstance(data, dict) else None
        return super().encode_json(data) if frame is None else frame

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            connection = HTTPConnection(scope)
            denied = await authorize(connection, self.config.server, connection.app.state.store)
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

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context.create(
            request.app.state.store,
            self.config.server,
            request=request,
            response=response,
            connector_departments={c.name: c.department for c in self.config.connectors},
        )

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        return await run_with_timeout(
            super().execute_operation(*args, **kwargs), self.config.server.request_timeout_seconds
        )

    async def get_sub_response(self, request: Request) -> Response:
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


@asynccontextmanager
async def scheduled_syncs(
    config: HubConfig, store: Store, on_commit: CommitHook | None = None
) -> AsyncIterator[SyncJobs]:
    """Run each connector's sync on its schedule for as long as the block lasts."""
    connectors = [build_connector(c, config) for c in config.connectors if c.enabled]
    async with SyncJobs(SyncEngine(store, config, on_commit=on_commit), connectors) as jobs:
        yield jobs


def create_app(
    config: HubConfig, *, store: Store | None = None, run_scheduler: bool = False
) -> Starlette:
    """The hub's ASGI app. A passed-in ``store`` is migrated on start but not disposed;
    ``run_scheduler`` also runs the connectors' scheduled syncs in this process."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own = store is None
        active = store or Store(config.resolve_url(config.store.url), echo=config.store.echo)
        try:
            await active.migrate()
            app.state.store = active
            async with AsyncExitStack() as stack:
                # The change feed: wake-ups on the bus, one log reader for this process's
                # subscriptions, and webhook delivery.
                bus = await stack.enter_async_context(create_bus(config.bus.url))
                app.state.bus = bus
                app.state.feed = await stack.enter_async_context(
                    FeedReader(
                        active,
                        bus,
                        poll_seconds=config.bus.poll_seconds,
                        queue_size=config.bus.queue_size,
                    )
                )
                app.state.webhooks = Webhooks(active, bus)
                await stack.enter_async_context(
                    WebhookWorker(active, bus, DeliverySettings.from_config(config.webhooks))
                )
                if run_scheduler:
                    app.state.jobs = await stack.enter_async_context(
                        scheduled_syncs(config, active, bus.publish)
                    )
                yield
        finally:
            app.state.store = None
            if own:
                await active.dispose()

    graphql = HubGraphQL(config)
    request_metrics = RequestMetrics()
    ingest = IngestEndpoint(
        config,
        {
            c.name: build_connector(c, config)
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
            Route(
                "/export/{list}.{format}",
                ExportEndpoint(config.server, graphql.schema).handle,
                methods=["GET", "POST"],
            ),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(RequestMetricsMiddleware, metrics=request_metrics),
        ],
        lifespan=lifespan,
    )
