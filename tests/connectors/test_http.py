"""The HTTP connector against a real department API served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from connectors.registry import build_connector
from hub import tables
from hub.config import HubConfig, parse_config
from hub.store import Store
from tests import department_source as src

pytestmark = pytest.mark.anyio

TOKEN = "fgw-api-secret"


@dataclass
class DepartmentApi:
    """Serves ``projects`` four ways of paging; fails or stalls the next requests on demand."""

    projects: list[dict[str, Any]]
    fail: int = 0  # the next requests answer 503
    stall: int = 0  # the next requests answer after the client gave up
    requests: list[dict[str, str]] = field(default_factory=list)

    def selected(self, request: Request) -> list[dict[str, Any]]:
        since = request.query_params.get("updated_since")
        return [p for p in self.projects if since is None or p["GXSJ"] >= since]

    async def guard(self, request: Request) -> Response | None:
        self.requests.append(dict(request.query_params) | {"path": request.url.path})
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"message": "bad token"}, status_code=401)
        if self.stall:
            self.stall -= 1
            await asyncio.sleep(0.5)
        if self.fail:
            self.fail -= 1
            return PlainTextResponse("busy", status_code=503)
        return None

    async def pages(self, request: Request) -> Response:
        if (refused := await self.guard(request)) is not None:
            return refused
        page, size = int(request.query_params["page"]), int(request.query_params["size"])
        items = self.selected(request)[(page - 1) * size : page * size]
        return JSONResponse({"code": 0, "data": {"items": items}})

    async def offsets(self, request: Request) -> Response:
        if (refused := await self.guard(request)) is not None:
            return refused
        offset, limit = int(request.query_params["offset"]), int(request.query_params["limit"])
        return JSONResponse(self.selected(request)[offset : offset + limit])

    async def cursors(self, request: Request) -> Response:
        if (refused := await self.guard(request)) is not None:
            return refused
        start, size = int(request.query_params.get("cursor", 0)), int(request.query_params["size"])
        selected = self.selected(request)
        following = str(start + size) if start + size < len(selected) else None
        return JSONResponse({"items": selected[start : start + size], "meta": {"next": following}})

    async def links(self, request: Request) -> Response:
        if (refused := await self.guard(request)) is not None:
            return refused
        start = int(request.query_params.get("after", 0))
        link = f"/api/links?after={start + 3}" if start + 3 < len(self.projects) else None
        return JSONResponse({"items": self.projects[start : start + 3], "next": link})

    async def strings(self, request: Request) -> Response:
        return JSONResponse({"items": ["2014-440304-47-01-000001"]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/pages", self.pages),
                Route("/api/offsets", self.offsets),
                Route("/api/cursors", self.cursors),
                Route("/api/links", self.links),
                Route("/api/strings", self.strings),
            ]
        )


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """``app`` served by uvicorn on an ephemeral port of 127.0.0.1, in this event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", ws="none", http="h11")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
def api() -> DepartmentApi:
    return DepartmentApi([src.project_row(n) for n in range(1, 12)])


@pytest.fixture
async def base_url(api: DepartmentApi) -> AsyncIterator[str]:
    async with serving(api.app()) as url:
        yield url


@pytest.fixture
async def hub_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    await store.migrate()
    yield store
    await store.dispose()


def api_config(base_url: str, stream: dict[str, Any], **connector: Any) -> HubConfig:
    """The fgw project mapping of ``tests.department_source`` over the API."""
    sql = src.source_config("sqlite:///unused.db").connectors[0]
    fields = {
        name: f.model_dump(exclude_defaults=True) for name, f in sql.streams[0].fields.items()
    }
    return parse_config(
        {
            "connectors": [
                {
                    "name": "fgw_api",
                    "kind": "http",
                    "base_url": base_url,
                    "headers": {"Authorization": "Bearer ${HUB_TEST_FGW_TOKEN}"},
                    "backoff": 0.01,
                    "timeout": 0.2,
                    "retries": 2,
                    "batch_size": 4,
                    "value_maps": {
                        k: v for k, v in sql.value_maps.items() if k in ("xmlb", "xmzt")
                    },
                    "streams": [
                        {"entity": "project", "cursor": "GXSJ", "fields": fields, "options": stream}
                    ],
                    **connector,
                }
            ]
        }
    )


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_FGW_TOKEN", TOKEN)


sync = src.sync_once


async def project_count(store: Store) -> int:
    async with store.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(tables.projects))).scalar_one()
        )


PAGES = {"path": "/api/pages", "records": "data.items", "pagination": {"type": "page"}}


async def test_page_numbers_until_an_empty_page(
    hub_store: Store, api: DepartmentApi, base_url: str
) -> None:
    report = await sync(hub_store, api_config(base_url, PAGES))
    assert report.state == "succeeded", report.error
    assert (report.total("read"), report.total("inserted")) == (11, 11)
    reads = [r for r in api.requests if r["size"] == "4"]
    assert [r["page"] for r in reads] == ["1", "2", "3", "4"]


async def test_offsets_with_records_as_the_whole_answer(
    hub_store: Store, api: DepartmentApi, base_url: str
) -> None:
    stream = {"path": "/api/offsets", "pagination": {"type": "offset"}, "page_size": 5}
    report = await sync(hub_store, api_config(base_url, stream))
    assert report.total("inserted") == 11
    # The engine's look at the columns, then the pages until an empty one.
    assert [r["offset"] for r in api.requests] == ["0", "0", "5", "10", "11"]


async def test_next_cursor_and_the_incremental_cursor_as_a_parameter(
    hub_store: Store, api: DepartmentApi, base_url: str
) -> None:
    stream = {
        "path": "/api/cursors",
        "records": "items",
        "pagination": {"type": "cursor", "next": "meta.next"},
        "since_param": "updated_since",
    }
    config = api_config(base_url, stream)
    assert (await sync(hub_store, config)).total("inserted") == 11
    assert "updated_since" not in api.requests[-1]
    api.projects[4] = src.project_row(5, XMMC="改名", GXSJ="2014-04-01 00:00:00")
    api.requests.clear()
    report = await sync(hub_store, config)
    assert report.total("updated") == 1
    # Asked only for what changed since the stored cursor, then followed the next cursors.
    reads = [r for r in api.requests if r["size"] == "4"]
    assert reads and all(r["updated_since"] >= "2014-03-01 08:00:11" for r in reads)
    assert report.total("read") < 11


async def test_next_links_are_followed(hub_store: Store, api: DepartmentApi, base_url: str) -> None:
    stream = {"path": "/api/links", "records": "items", "pagination": {"type": "cursor"}}
    report = await sync(hub_store, api_config(base_url, stream))
    assert report.total("inserted") == 11
    assert [r.get("after") for r in api.requests[-4:]] == [None, "3", "6", "9"]


async def test_503s_and_timeouts_are_retried(
    hub_store: Store, api: DepartmentApi, base_url: str
) -> None:
    api.fail, api.stall = 1, 1
    report = await sync(hub_store, api_config(base_url, PAGES))
    assert report.state == "succeeded", report.error
    assert await project_count(hub_store) == 11


async def test_an_outage_beyond_the_retries_is_transient(
    hub_store: Store, api: DepartmentApi, base_url: str
) -> None:
    api.fail = 100
    report = await sync(hub_store, api_config(base_url, PAGES))
    assert report.state == "failed" and report.transient
    assert f"GET {base_url}/api/pages answered 503 Service Unavailable (after 3 attempts)" in str(
        report.error
    )
    assert len(api.requests) == 3


async def test_a_refused_connection_is_transient(hub_store: Store) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    report = await sync(hub_store, api_config(closed, PAGES))
    assert report.state == "failed" and report.transient
    assert "ConnectError" in str(report.error)


async def test_a_4xx_is_terminal_at_once(
    hub_store: Store, api: DepartmentApi, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_TEST_FGW_TOKEN", "wrong")
    report = await sync(hub_store, api_config(base_url, PAGES))
    assert report.state == "failed" and not report.transient
    assert f"GET {base_url}/api/pages answered 401 Unauthorized" in str(report.error)
    assert "check the connector's headers" in str(report.error)
    assert len(api.requests) == 1

    api.requests.clear()
    monkeypatch.setenv("HUB_TEST_FGW_TOKEN", TOKEN)
    report = await sync(hub_store, api_config(base_url, PAGES | {"path": "/api/nothing"}))
    assert "answered 404 Not Found" in str(report.error)
    assert "check base_url and the stream's path" in str(report.error)


async def test_records_that_are_not_objects_or_not_where_configured(
    hub_store: Store, base_url: str
) -> None:
    report = await sync(hub_store, api_config(base_url, {"path": "/api/strings"}))
    assert "is a dict, not an array" in str(report.error)
    strings = {"path": "/api/strings", "records": "items"}
    report = await sync(hub_store, api_config(base_url, strings))
    assert "a record of /api/strings is a str, not an object" in str(report.error)
    report = await sync(hub_store, api_config(base_url, PAGES | {"records": "data.rows"}))
    assert "has no 'data.rows'" in str(report.error) and "the answer has: code, data" in str(
        report.error
    )


async def test_check_and_columns_describe_the_api(base_url: str) -> None:
    config = api_config(base_url, PAGES)
    connector = build_connector(config.connectors[0], config)
    try:
        assert (await connector.check()).startswith(f"http {base_url}: answered in ")
        columns = await connector.columns(config.connectors[0].streams[0])
    finally:
        await connector.close()
    assert set(columns.types) == set(src.project_row(1))
    assert columns.types["XMDM"] == "str"
