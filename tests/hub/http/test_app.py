from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, select
from starlette.types import ASGIApp, Message

from hub import tables
from hub.config import HubConfig, ServerConfig, StoreConfig, parse_config
from hub.http.app import create_app
from hub.store import Store
from tests.asgi import running as lifespan

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def running(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """The app's lifespan running around an httpx client, in the test's event loop."""
    async with lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client


async def test_healthz_ok_and_a_query_on_a_passed_in_store(store: Store) -> None:
    async with running(create_app(HubConfig(), store=store)) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        answer = await client.post("/graphql", json={"query": "{ departments { code } }"})
        assert answer.status_code == 200
        assert answer.json() == {"data": {"departments": []}}
    # The app migrated the store it was given but did not dispose of it.
    async with store.read() as conn:
        assert (await conn.execute(select(tables.projects.c.code))).all() == []


async def test_healthz_503_when_the_store_fails(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> None:
        raise OSError("connection refused to postgresql://user:secret@db/hub")

    async with running(create_app(HubConfig(), store=store)) as client:
        monkeypatch.setattr(store, "ping", broken)
        health = await client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "reason": "store unreachable"}


async def test_graphiql_in_a_browser(store: Store) -> None:
    async with running(create_app(HubConfig(), store=store)) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "graphiql" in page.text.lower()
    closed = HubConfig(server=ServerConfig(graphiql=False))
    async with running(create_app(closed, store=store)) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        # Queries still work without the IDE.
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
        assert answer.json() == {"data": {"__typename": "Query"}}


async def test_the_app_owns_a_store_it_creates(tmp_path: Path) -> None:
    config = parse_config(
        {"store": {"url": "sqlite:///hub.db"}, "path": str(tmp_path / "hub.toml")}
    )
    app = create_app(config)
    async with running(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        store = app.state.store
        assert Path(store.url.database) == tmp_path / "hub.db"  # relative to the config file
        async with store.read() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "projects" in names
    assert app.state.store is None
    assert store.engine.pool.checkedout() == 0


async def test_graphql_transport_ws_is_spoken_on_the_graphql_route(store: Store) -> None:
    """A raw ASGI websocket: the subprotocol is accepted and the handshake acknowledged."""
    app = create_app(HubConfig(), store=store)
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "scheme": "ws",
        "query_string": b"",
        "headers": [(b"host", b"hub.test")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 1),
        "server": None,
    }
    async with running(app):
        task = asyncio.create_task(app(scope, inbox.get, outbox.put))  # type: ignore[arg-type]
        await inbox.put({"type": "websocket.connect"})
        accepted = await outbox.get()
        assert accepted["type"] == "websocket.accept"
        assert accepted["subprotocol"] == "graphql-transport-ws"
        for sent, expected in (("connection_init", "connection_ack"), ("ping", "pong")):
            await inbox.put({"type": "websocket.receive", "text": json.dumps({"type": sent})})
            reply = await asyncio.wait_for(outbox.get(), 5)
            assert json.loads(reply["text"]) == {"type": expected}
        await inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 5)


async def test_startup_fails_when_the_store_cannot_migrate(tmp_path: Path) -> None:
    config = HubConfig(store=StoreConfig(url=f"sqlite:///{tmp_path / 'missing' / 'hub.db'}"))
    app = create_app(config)
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    message = await outbox.get()
    assert message["type"] == "lifespan.startup.failed"
    await asyncio.gather(task, return_exceptions=True)
