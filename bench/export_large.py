"""A 10,000-row result through GraphQL and through the export endpoint: time and peak memory.

    python -m bench.export_large [--scale 1.4] [--rows 10000]

Builds and syncs the demo (scale 1.4 has about 10,600 filings), then asks the real app (ASGI,
in-process, lifespan running) for the first ``--rows`` filings ordered by key, once as one
GraphQL page (max page size raised to allow it) and once as CSV and NDJSON exports with the
same filter. The response body is counted and dropped as it arrives, so the peak memory
(tracemalloc, measured in a second pass) is the server's own. Prints seconds, rows/s and peak MiB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.graph_demo import demo_store
from hub.config import ServerConfig
from hub.http.app import create_app
from tests.asgi import running

QUERY = """
query ($first: Int, $filter: FilingFilter) {
  filings(first: $first, filter: $filter) { nodes {
    key projectCode status submittedAt acceptedAt completedAt timeLimitDays materials
    provenance { connector sourceKey syncedAt }
  } }
}
"""
FILTER = {"status": {"ne": "WITHDRAWN"}}


async def _call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, int, int]:
    """Drive one request through the ASGI app; returns (status, body bytes, lines), dropping
    the chunks as they arrive."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    status, size, lines = 0, 0, 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size, lines
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            size += len(chunk)
            lines += chunk.count(b"\n")

    await app(scope, receive, send)
    return status, size, lines


async def _measure(
    call: Callable[[], Awaitable[tuple[int, int, int]]],
) -> tuple[float, float, int, int]:
    started = time.perf_counter()
    status, size, lines = await call()
    seconds = time.perf_counter() - started
    assert status == 200, status
    tracemalloc.start()
    await call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, size, lines


async def run(folder: Path, scale: float, rows: int) -> None:
    settings = await demo_store(folder, scale)
    settings = settings.model_copy(
        update={"connectors": [], "server": ServerConfig(max_page_size=rows, max_tokens=5000)}
    )
    app = create_app(settings)
    async with running(app):
        graphql = json.dumps({"query": QUERY, "variables": {"first": rows, "filter": FILTER}})
        exported = urlencode({"filter": json.dumps(FILTER)})
        cases = {
            "graphql": lambda: _call(app, "POST", "/graphql", graphql.encode()),
            "export csv": lambda: _call(app, "GET", f"/export/filings.csv?{exported}"),
            "export ndjson": lambda: _call(app, "GET", f"/export/filings.ndjson?{exported}"),
        }
        print(
            f"{'path':14} {'rows':>7} {'seconds':>8} {'rows/s':>9} {'peak MiB':>9} {'MiB out':>8}"
        )
        for name, call in cases.items():
            seconds, peak, size, lines = await _measure(call)
            # GraphQL answers one line; a CSV has a header line.
            count = rows if name == "graphql" else lines - (name == "export csv")
            print(
                f"{name:14} {count:7} {seconds:8.2f} {count / seconds:9.0f} "
                f"{peak:9.1f} {size / 2**20:8.1f}"
            )
    print("(exports stream every matching row; the GraphQL page is the first --rows of them)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.4)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        print(f"building and syncing the demo at scale {args.scale:g} ...")
        asyncio.run(run(Path(folder), args.scale, args.rows))


if __name__ == "__main__":
    main()
