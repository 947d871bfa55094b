"""Prometheus metrics at ``/metrics``.

The sync, reject, conflict, change-log and webhook figures are read from the store when
scraped, so every instance of a scaled-out hub reports the same truth whichever one is asked
(and a sync run by ``hub worker`` or ``hub sync`` counts as much as one run in this process).
What only this process knows -- its live subscribers, the HTTP requests it answered, its CPU,
memory and garbage collector -- comes from the process itself. Access is checked like ``/graphql``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import NamedTuple

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from hub import tables
from hub.config import ServerConfig
from hub.feed import head_seq
from hub.http.access import refuse, viewer_for
from hub.status import latest_files
from hub.store import Store

ROW_OUTCOMES = ("read", "inserted", "updated", "unchanged", "rejected", "deleted")


Labelled = dict[tuple[str, ...], float]


@dataclass
class StoreFigures:
    """What the store says, read once per scrape: each figure by its label values."""

    finished_runs: Labelled = field(default_factory=dict)
    running: Labelled = field(default_factory=dict)
    rows: Labelled = field(default_factory=dict)
    last_success: Labelled = field(default_factory=dict)  # Unix time
    rejects: Labelled = field(default_factory=dict)
    source_files: Labelled = field(default_factory=dict)
    open_conflicts: Labelled = field(default_factory=dict)
    webhook_lag: Labelled = field(default_factory=dict)
    head_seq: int = 0

    @classmethod
    async def read(cls, store: Store) -> StoreFigures:
        runs, rejects, conflicts = tables.sync_runs, tables.rejects, tables.conflicts
        figures = cls(head_seq=await head_seq(store))
        async with store.read() as conn:
            for connector, state, count in await conn.execute(
                select(runs.c.connector, runs.c.state, func.count()).group_by(
                    runs.c.connector, runs.c.state
                )
            ):
                if state == "running":
                    figures.running[connector,] = count
                else:
                    figures.finished_runs[connector, state] = count
            sums = [func.coalesce(func.sum(runs.c[f"rows_{o}"]), 0) for o in ROW_OUTCOMES]
            for connector, *totals in await conn.execute(
                select(runs.c.connector, *sums).group_by(runs.c.connector)
            ):
                for outcome, total in zip(ROW_OUTCOMES, totals, strict=True):
                    figures.rows[connector, outcome] = int(total)
            for connector, finished in await conn.execute(
                select(runs.c.connector, func.max(runs.c.finished_at))
                .where(runs.c.state == "succeeded")
                .group_by(runs.c.connector)
            ):
                figures.last_success[connector,] = finished.replace(tzinfo=UTC).timestamp()
            for connector, stream, count in await conn.execute(
                select(rejects.c.connector, rejects.c.stream, func.count()).group_by(
                    rejects.c.connector, rejects.c.stream
                )
            ):
                figures.rejects[connector, stream] = count
            latest = latest_files().subquery()
            for connector, state, count in await conn.execute(
                select(latest.c.connector, latest.c.state, func.count()).group_by(
                    latest.c.connector, latest.c.state
                )
            ):
                figures.source_files[connector, state] = count
            for connector, count in await conn.execute(
                select(conflicts.c.connector, func.count())
                .where(conflicts.c.resolved_at.is_(None))
                .group_by(conflicts.c.connector)
            ):
                figures.open_conflicts[connector,] = count
            hooks = tables.webhooks
            for name, state, delivered in await conn.execute(
                select(hooks.c.name, hooks.c.state, hooks.c.delivered_seq)
            ):
                figures.webhook_lag[name, state] = max(figures.head_seq - delivered, 0)
        return figures


class Family(NamedTuple):
    """A labelled family of the store's figures, its values from a ``StoreFigures`` field."""

    kind: type[CounterMetricFamily | GaugeMetricFamily]
    name: str
    documentation: str
    labels: list[str]
    source: str


FAMILIES = (
    Family(
        CounterMetricFamily,
        "hub_sync_runs",
        "Finished sync runs by connector and result.",
        ["connector", "state"],
        "finished_runs",
    ),
    Family(
        GaugeMetricFamily,
        "hub_sync_running",
        "Sync runs in progress by connector.",
        ["connector"],
        "running",
    ),
    Family(
        CounterMetricFamily,
        "hub_sync_rows",
        "Source rows handled by syncs, by connector and outcome.",
        ["connector", "outcome"],
        "rows",
    ),
    Family(
        GaugeMetricFamily,
        "hub_sync_last_success_timestamp_seconds",
        "When each connector's last successful run finished (Unix time).",
        ["connector"],
        "last_success",
    ),
    Family(
        GaugeMetricFamily,
        "hub_rejects",
        "Quarantined source rows by connector and stream.",
        ["connector", "stream"],
        "rejects",
    ),
    Family(
        GaugeMetricFamily,
        "hub_source_files",
        "Drop files by connector and state (applied, failed), the latest content of each.",
        ["connector", "state"],
        "source_files",
    ),
    Family(
        GaugeMetricFamily,
        "hub_conflicts_open",
        "Unresolved authority conflicts by the connector that disagrees.",
        ["connector"],
        "open_conflicts",
    ),
    Family(
        GaugeMetricFamily,
        "hub_webhook_lag_changes",
        "Change-log positions between the head and each webhook's delivered-up-to seq.",
        ["webhook", "state"],
        "webhook_lag",
    ),
)


class HubCollector(Collector):
    """The families of one scrape: ``figures`` from the store, subscribers from this
    process."""

    def __init__(self, figures: StoreFigures, subscribers: int) -> None:
        self.figures = figures
        self.subscribers = subscribers

    def collect(self) -> Iterator[Metric]:
        for spec in FAMILIES:
            family = spec.kind(spec.name, spec.documentation, labels=spec.labels)
            values: Labelled = getattr(self.figures, spec.source)
            for label_values, value in sorted(values.items()):
                family.add_metric(list(label_values), value)
            yield family
        yield GaugeMetricFamily(
            "hub_change_log_head_seq",
            "The newest seq in the change log.",
            value=self.figures.head_seq,
        )
        yield GaugeMetricFamily(
            "hub_feed_subscribers",
            "Live change-feed subscriptions served by this process.",
            value=self.subscribers,
        )


class MetricsEndpoint:
    """``GET /metrics`` in the Prometheus text format, with the request series of ``requests``
    (``hub.http.request_metrics``)."""

    def __init__(self, server: ServerConfig, requests: CollectorRegistry) -> None:
        self.server = server
        self.requests = requests

    async def handle(self, request: Request) -> Response:
        state = request.app.state
        viewer = await viewer_for(request)
        if isinstance(viewer, Response):
            return viewer
        if not viewer.rules.operations:
            return refuse(viewer, "read /metrics")
        registry = CollectorRegistry(auto_describe=False)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            registry.register(collector)
        registry.register(
            HubCollector(await StoreFigures.read(state.store), state.feed.subscribers)
        )
        body = generate_latest(registry) + generate_latest(self.requests)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
