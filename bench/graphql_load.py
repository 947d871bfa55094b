"""GraphQL under concurrent load beside a hand-written endpoint running the same SQL, in one run.

    python -m bench.graphql_load [--scale 1] [--seconds 5] [--concurrency 16]

Serves the real app with uvicorn on 127.0.0.1 (a child process) over the demo store, plus two
hand-written Starlette endpoints that run equivalent SQL (the same statements the DataLoaders
issue) and return the same JSON, checked equal before the load. Two query shapes:

- portal: one project with its filings, each filing's events, outcome and matter name;
- list: 50 projects ordered by code, each with its first 5 filings (and their matter names).

Prints requests/s, p50 and p99 of each path and the ratio GraphQL / hand-written (aim: >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.graph_demo import demo_store
from hub import tables
from hub.auth import create_token
from hub.config import HubConfig, load_config
from hub.store import Store
from schema.live import live
from schema.types.scalars import utc

PORTAL = """
query Portal($code: String!) {
  project(code: $code) {
    code name status
    filings(first: 100) { nodes {
      key status submittedAt completedAt
      matter { name }
      events { step occurredAt }
      outcome { documentNumber issuedAt }
    } }
  }
}
"""
LIST = """
query List {
  projects(first: 50, orderBy: [{field: CODE}]) { nodes {
    code name status
    filings(first: 5) { nodes { key status submittedAt matter { name } } }
  } }
}
"""
f, m, e, o, p = (
    tables.filings,
    tables.matters,
    tables.process_events,
    tables.outcomes,
    tables.projects,
)


def _time(value: Any) -> str | None:
    return None if value is None else utc(value).isoformat()


async def _matter_names(conn: Any, codes: set[str]) -> dict[str, str]:
    rows = await conn.execute(select(m.c.code, m.c.name).where(m.c.code.in_(codes), live(m)))
    return dict(rows.all())


async def hand_portal(request: Request) -> JSONResponse:
    code = request.query_params["code"]
    async with request.app.state.store.read() as conn:
        project = (await conn.execute(select(p).where(p.c.code == code, live(p)))).first()
        if project is None:
            return JSONResponse({"data": {"project": None}})
        filings = (
            await conn.execute(
                select(f)
                .where(f.c.project_code == code, live(f))
                .order_by(f.c.submitted_at.asc().nulls_last(), f.c.key)
                .limit(100)
            )
        ).all()
        keys = [row.key for row in filings]
        names = await _matter_names(conn, {row.matter_code for row in filings})
        events: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in await conn.execute(
            select(e).where(e.c.filing_key.in_(keys), live(e)).order_by(e.c.occurred_at, e.c.key)
        ):
            events[row.filing_key].append({"step": row.step, "occurredAt": _time(row.occurred_at)})
        outcomes = {
            row.filing_key: {
                "documentNumber": row.document_number,
                "issuedAt": None if row.issued_at is None else row.issued_at.isoformat(),
            }
            for row in await conn.execute(
                select(o)
                .where(o.c.filing_key.in_(keys), live(o))
                .order_by(o.c.issued_at.asc().nulls_first(), o.c.key)
            )
        }
    nodes = [
        {
            "key": row.key,
            "status": row.status,
            "submittedAt": _time(row.submitted_at),
            "completedAt": _time(row.completed_at),
            "matter": {"name": names[row.matter_code]} if row.matter_code in names else None,
            "events": events.get(row.key, []),
            "outcome": outcomes.get(row.key),
        }
        for row in filings
    ]
    body = {"code": project.code, "name": project.name, "status": project.status}
    return JSONResponse({"data": {"project": body | {"filings": {"nodes": nodes}}}})


async def hand_list(request: Request) -> JSONResponse:
    async with request.app.state.store.read() as conn:
        projects = (await conn.execute(select(p).where(live(p)).order_by(p.c.code).limit(51))).all()
        codes = [row.code for row in projects[:50]]
        order = (f.c.submitted_at.asc().nulls_last(), f.c.key)
        rank = func.row_number().over(partition_by=f.c.project_code, order_by=order)
        ranked = select(f, rank.label("hub_rank")).where(f.c.project_code.in_(codes), live(f))
        inner = ranked.subquery()
        filings = (
            await conn.execute(
                select(inner)
                .where(inner.c.hub_rank <= 6)
                .order_by(inner.c.project_code, inner.c.hub_rank)
            )
        ).all()
        names = await _matter_names(conn, {row.matter_code for row in filings})
    by_project: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in filings:
        if row.hub_rank <= 5:
            by_project[row.project_code].append(
                {
                    "key": row.key,
                    "status": row.status,
                    "submittedAt": _time(row.submitted_at),
                    "matter": {"name": names[row.matter_code]}
                    if row.matter_code in names
                    else None,
                }
            )
    nodes = [
        {
            "code": row.code,
            "name": row.name,
            "status": row.status,
            "filings": {"nodes": by_project.get(row.code, [])},
        }
        for row in projects[:50]
    ]
    return JSONResponse({"data": {"projects": {"nodes": nodes}}})


def serve(config_path: str, port: int) -> None:
    """The child process: the hub app plus the hand-written endpoints, served as `hub serve`
    serves."""
    from hub.cli.serving import run_server
    from hub.http.app import create_app

    settings = load_config(config_path)
    settings = settings.model_copy(update={"connectors": []})  # no scheduled syncs, no sources
    app = create_app(settings)
    app.router.routes += [Route("/hand/portal", hand_portal), Route("/hand/list", hand_list)]
    run_server(app, "127.0.0.1", port, log_level="warning", access_log=False)


async def _load(
    client: httpx.AsyncClient, requests: list[dict[str, Any]], seconds: float, concurrency: int
) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        while time.perf_counter() < deadline:
            spec = requests[next(counter) % len(requests)]
            started = time.perf_counter()
            response = await client.request(**spec)
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _figures(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / seconds, statistics.median(ordered) * 1000, p99 * 1000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _supervisor_token(settings: HubConfig) -> str:
    """Anonymous callers read the public view (docs/security.md); the comparison with the
    hand-written endpoints, which read everything, needs the unrestricted supervisor."""
    store = Store(settings.resolve_url(settings.store.url))
    try:
        return await create_token(
            store, f"bench-load-{os.getpid()}", scopes=["read"], role="supervisor"
        )
    finally:
        await store.dispose()


@asynccontextmanager
async def served(
    config_path: Path, concurrency: int, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the hub (and the hand-written endpoints) served by a child process on the
    config, once it answers /healthz; the child is stopped after the block."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.graphql_load", "--serve", str(config_path), str(port)],
        env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            limits=httpx.Limits(max_connections=concurrency),
            headers=headers,
        ) as client:
            for _ in range(100):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            yield client
    finally:
        server.terminate()
        server.wait(timeout=10)


async def run(settings: HubConfig, config_path: Path, seconds: float, concurrency: int) -> None:
    token = await _supervisor_token(settings)
    async with served(config_path, concurrency, {"authorization": f"Bearer {token}"}) as client:
        listed = await client.post("/graphql", json={"query": LIST})
        codes = [n["code"] for n in listed.json()["data"]["projects"]["nodes"]]
        shapes = {
            "portal": (
                [
                    {
                        "method": "POST",
                        "url": "/graphql",
                        "json": {"query": PORTAL, "variables": {"code": c}},
                    }
                    for c in codes
                ],
                [{"method": "GET", "url": "/hand/portal", "params": {"code": c}} for c in codes],
            ),
            "list": (
                [{"method": "POST", "url": "/graphql", "json": {"query": LIST}}],
                [{"method": "GET", "url": "/hand/list"}],
            ),
        }
        print(f"{concurrency} concurrent clients, {seconds:g} s per path, uvicorn on 127.0.0.1")
        print(f"{'shape':8} {'path':12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for shape, (graphql, hand) in shapes.items():
            for g, h in zip(graphql[:5], hand[:5], strict=True):  # same JSON, checked
                got, want = (
                    (await client.request(**g)).json(),
                    (await client.request(**h)).json(),
                )
                assert got == want, f"{shape}: GraphQL and hand-written answers differ"
            rates = {}
            for path, requests in (("graphql", graphql), ("hand-written", hand)):
                await _load(client, requests, 0.5, concurrency)  # warm up
                rate, p50, p99 = _figures(
                    await _load(client, requests, seconds, concurrency), seconds
                )
                rates[path] = rate
                print(f"{shape:8} {path:12} {rate:8.1f} {p50:8.1f} {p99:8.1f}")
            ratio = rates["graphql"] / rates["hand-written"]
            print(f"{shape:8} ratio graphql / hand-written = {ratio:.2f}")


def load_arguments(doc: str | None) -> argparse.Namespace:
    """--scale, --seconds and --concurrency of a load benchmark (its docstring's first
    paragraph as the help)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(f"building and syncing the demo at scale {args.scale:g} ...")
    return args


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
        return
    args = load_arguments(__doc__)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        settings = asyncio.run(demo_store(Path(folder), args.scale))
        asyncio.run(run(settings, Path(folder) / "hub.toml", args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
