"""Real servers and clients for change-feed tests: an ASGI app served by uvicorn on 127.0.0.1,
a graphql-transport-ws subscriber over the ``websockets`` client library, a webhook receiver
that records (and can refuse) what it is sent, and department sources that sync changes."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp
from websockets.asyncio.client import ClientConnection, connect

from connectors.registry import build_connector
from hub import tables
from hub.store import Store
from hub.sync import CommitHook, RunReport, SyncEngine
from tests import department_source as src

SUBSCRIPTION = """
subscription ($filter: ChangeFilter, $after: BigInt) {
  changes(filter: $filter, after: $after) {
    seq op entity key projectCode matterCode field oldValue newValue
    source { connector department syncRun } sourceTime recordedAt
  }
}
"""

# A hub whose one connector syncs a department's projects every second (for real processes).
HUB_TOML = """
[store]
url = "{store}"

[bus]
url = "{bus}"
poll_seconds = {poll_seconds}

[[connectors]]
name = "fgw"
kind = "sql"
url = "{source}"
department = "FGW"
schedule = "every 1s"

[[connectors.streams]]
entity = "project"
table = "XM_JBXX"
cursor = "GXSJ"

[connectors.streams.fields]
code = "XMDM"
name = "XMMC"
"""


@asynccontextmanager
async def live_server(app: ASGIApp, port: int = 0) -> AsyncIterator[str]:
    """Serve ``app`` (lifespan included) on 127.0.0.1 (a free port by default); yields
    host:port."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("uvicorn did not start")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@dataclass
class Hub:
    """The real app on a real port (websockets need one)."""

    address: str
    app: Starlette

    async def sync(self, store: Store, department: Department) -> None:
        """Sync in this process, waking the app's feed as a scheduled sync in it would."""
        await department.sync(store, self.app.state.bus.publish)


class Subscriber:
    """One graphql-transport-ws subscription to ``changes`` on a real websocket."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    @classmethod
    @asynccontextmanager
    async def open(
        cls, address: str, filter: dict[str, Any] | None = None, after: int | None = None
    ) -> AsyncIterator[Subscriber]:
        async with connect(
            f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]
        ) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init"}))
            ack = json.loads(await socket.recv())
            assert ack["type"] == "connection_ack", ack
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": SUBSCRIPTION,
                            "variables": {"filter": filter, "after": after},
                        },
                    }
                )
            )
            yield cls(socket)

    async def message(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.socket.recv(), timeout))

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        """The next change; fails on an error message."""
        message = await self.message(timeout)
        assert message["type"] == "next" and "errors" not in message["payload"], message
        return message["payload"]["data"]["changes"]

    async def take(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        return [await self.next(timeout) for _ in range(count)]


class Receiver:
    """A webhook receiver on 127.0.0.1: records each request; ``status`` and ``delay`` make it
    answer with an error or slowly."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.delay = 0.0
        self.arrived = asyncio.Event()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status < 300:
            self.requests.append((dict(request.headers), body))
            self.arrived.set()
        return Response(status_code=self.status)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    async def wait_for(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.events


class Department:
    """A department source (SQLite file) with its own connector and project numbers, whose
    projects can be renamed to produce updates."""

    def __init__(self, directory: Path, name: str, first: int, count: int) -> None:
        self.url = f"sqlite:///{directory / f'{name}.db'}"
        self.name = name
        self.numbers = range(first, first + count)
        self.config = src.source_config(self.url, name=name, department=name.upper())
        self.edits = 0

    async def create(self) -> Department:
        await src.create_source(self.url, projects_count=0, filings_count=0)
        await src.execute(
            self.url, src.projects.insert(), [src.project_row(n) for n in self.numbers]
        )
        await src.execute(
            self.url,
            src.filings.insert(),
            [src.filing_row(n, n, SXBM=f"{self.name.upper()}-001") for n in self.numbers],
        )
        return self

    async def rename(self, numbers: Iterable[int]) -> None:
        """Rename some projects (one ``updated`` change each at the next sync)."""
        self.edits += 1
        stamp = f"2015-01-01 00:00:{self.edits:02d}"
        for n in numbers:
            await src.execute(
                self.url,
                src.rename_project(f"2014-440304-47-01-{n:06d}", f"项目{n}-{self.edits}", stamp),
            )

    async def sync(self, store: Store, on_commit: CommitHook | None = None) -> RunReport:
        connector = build_connector(self.config.connectors[0], self.config)
        try:
            report = await SyncEngine(store, self.config, on_commit=on_commit).sync(connector)
        finally:
            await connector.close()
        assert report.state == "succeeded", report.error
        return report


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def logged(store: Store) -> list[int]:
    """Every seq in the change log, in order."""
    async with store.read() as conn:
        return list((await conn.execute(select(tables.changes.c.seq).order_by("seq"))).scalars())
