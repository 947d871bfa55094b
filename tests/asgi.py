"""Drive the real app in-process: its ASGI lifespan in the test's event loop, an httpx client
for /graphql, and a log of the SQL statements the store executes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

from hub.auth import create_token
from hub.config import HubConfig, RoleConfig, ServerConfig
from hub.http.app import create_app
from hub.store import Store


@asynccontextmanager
async def running(app: ASGIApp) -> AsyncIterator[None]:
    """Run the ASGI lifespan protocol around the block, in the test's event loop."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        await task
        raise RuntimeError(f"startup failed: {started.get('message')}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        stopped = await outbox.get()
        await task
        assert stopped["type"] == "lifespan.shutdown.complete", stopped


class GraphQLClient:
    """POSTs queries to /graphql of a running app."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a query that must succeed."""
        body = await self.post(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def errors(self, query: str, **variables: Any) -> list[dict[str, Any]]:
        body = await self.post(query, **variables)
        assert body.get("errors"), body
        return body["errors"]


# Tests of what the hub answers, rather than of who may ask, call as a role that may read and do
# everything (tests/hub/test_security.py tests the roles themselves).
TRUSTED: dict[str, Any] = {
    "security": {"anonymous": "trusted"},
    "roles": {
        "trusted": {
            "data": "all",
            "sensitive": True,
            "operations": True,
            "audit_log": True,
            "webhooks": True,
            "verify": True,
        }
    },
}


def trusted(config: dict[str, Any] | None = None) -> HubConfig:
    """``config`` (a hub.toml as a dict) with anonymous callers in the ``trusted`` role."""
    return HubConfig.model_validate(TRUSTED | (config or {}))


def as_trusted(config: HubConfig) -> HubConfig:
    """A loaded ``config`` (e.g. the demo's) with anonymous callers in the ``trusted`` role."""
    roles = {name: RoleConfig(**rules) for name, rules in TRUSTED["roles"].items()}
    security = config.security.model_copy(update={"anonymous": "trusted"})
    return config.model_copy(update={"security": security, "roles": config.roles | roles})


async def bearer(store: Store, role: str, department: str | None = None) -> dict[str, str]:
    """The Authorization header of a new token of ``role`` (and ``department``)."""
    name = f"{role}-{department or 'all'}-{secrets.token_hex(4)}"
    token = await create_token(store, name, scopes=["read"], role=role, department=department)
    return {"authorization": f"Bearer {token}"}


@asynccontextmanager
async def serve(store: Store, **server: Any) -> AsyncIterator[GraphQLClient]:
    app = create_app(trusted({"server": ServerConfig(**server).model_dump()}), store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield GraphQLClient(http)


class StatementLog:
    """The SQL statements the store executed while ``recording``."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.on = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.statements.append(statement)

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        self.statements = []
        self.on = True
        try:
            yield self.statements
        finally:
            self.on = False

    @property
    def selects(self) -> list[str]:
        """The queries, without transaction control (SQLite's BEGIN, ROLLBACK)."""
        return [s for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
