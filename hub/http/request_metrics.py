"""HTTP request counts and durations for ``/metrics``, labelled by route template (never by the
raw path, whose codes and names would make a series per project), method and status."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from prometheus_client.registry import CollectorRegistry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"  # requests no route took (404s), as one series
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class RequestMetrics:
    """This process's request series, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "hub_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "hub_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template.",
            ["route", "method"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )


class RequestMetricsMiddleware:
    """ASGI middleware that records every HTTP request in ``metrics`` (websockets are long-lived
    connections, not requests, and are left out)."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before it answers

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            matched = scope.get("route")
            route = getattr(matched, "path", UNMATCHED)
            method = scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.duration.labels(route, method).observe(time.perf_counter() - started)
