"""``/metrics``: the store's sync, reject, change-log and webhook figures and this process's
subscribers, in the Prometheus text format, checked like ``/graphql``."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from hub import tables
from hub.config import HubConfig, ServerConfig
from hub.feed import ChangeFilter
from hub.http.app import create_app
from hub.store import Store
from tests import department_source as src
from tests.asgi import bearer
from tests.hub.http.test_app import running

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_the_figures_are_the_stores(store: Store, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fgw.db'}"
    await src.create_source(url, projects_count=4, filings_count=0)
    await src.execute(url, src.projects.insert(), [src.project_row(101, DJRQ="20140230")])
    report = await src.sync_once(store, src.source_config(url))
    assert report.state == "succeeded", report.error
    local = HubConfig.model_validate({"webhooks": {"allow_cidrs": ["127.0.0.0/8"]}})
    app = create_app(local, store=store)
    async with running(app) as client:
        hooks = app.state.webhooks
        await hooks.register("ops", "http://127.0.0.1:9/hook", ChangeFilter(), after=0)
        await hooks.pause("ops")
        response = await client.get("/metrics", headers=await bearer(store, "operator"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    found = samples(response.text)
    async with store.read() as conn:
        head = (await conn.execute(select(func.max(tables.changes.c.seq)))).scalar_one()
        finished = (await conn.execute(select(tables.sync_runs.c.finished_at))).scalar_one()
    assert found["hub_sync_runs_total", (("connector", "fgw"), ("state", "succeeded"))] == 1
    assert found["hub_sync_rows_total", (("connector", "fgw"), ("outcome", "read"))] == 5
    assert found["hub_sync_rows_total", (("connector", "fgw"), ("outcome", "inserted"))] == 4
    assert found["hub_sync_rows_total", (("connector", "fgw"), ("outcome", "rejected"))] == 1
    assert found["hub_rejects", (("connector", "fgw"), ("stream", "project"))] == 1
    assert found["hub_change_log_head_seq", ()] == head
    assert found["hub_webhook_lag_changes", (("state", "paused"), ("webhook", "ops"))] == head
    assert found["hub_feed_subscribers", ()] == 0
    last_success = found["hub_sync_last_success_timestamp_seconds", (("connector", "fgw"),)]
    assert last_success == finished.replace(tzinfo=UTC).timestamp()
    assert any(name.startswith("process_") for name, _ in found)


async def test_metrics_need_a_read_token_when_the_api_does(store: Store) -> None:
    config = HubConfig(server=ServerConfig(require_token=True))
    async with running(create_app(config, store=store)) as client:
        response = await client.get("/metrics")
    assert response.status_code == 401


async def test_requests_are_counted_by_route_template_method_and_status(store: Store) -> None:
    async with running(create_app(HubConfig(), store=store)) as client:
        operator = await bearer(store, "operator")
        await client.post("/graphql", json={"query": "{ departments { code } }"})
        await client.post(
            "/graphql",
            json={"query": "{ nope }"},
            headers={"accept": "application/graphql-response+json"},
        )
        await client.post("/ingest/nobody/projects", json=[])
        await client.post("/ingest/someone/filings", json=[])
        await client.get("/no/such/page")
        found = samples((await client.get("/metrics", headers=operator)).text)
    requests = "hub_http_requests_total"
    assert found[requests, (("method", "POST"), ("route", "/graphql"), ("status", "200"))] == 1
    assert found[requests, (("method", "POST"), ("route", "/graphql"), ("status", "400"))] == 1
    # Two connectors, one template: the series does not grow with the names in the path.
    ingest = [
        k for k in found if k[0] == requests and ("route", "/ingest/{connector}/{stream}") in k[1]
    ]
    assert sum(found[k] for k in ingest) == 2
    assert found[requests, (("method", "GET"), ("route", "unmatched"), ("status", "404"))] == 1
    durations = "hub_http_request_duration_seconds_count"
    assert found[durations, (("method", "POST"), ("route", "/graphql"))] == 2
