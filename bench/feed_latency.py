"""Change feed latency: from a sync's commit to delivery at many websocket subscribers.

    python -m bench.feed_latency --subscribers 1000 --rounds 3 --changes 10

1. builds a small department source (SQLite) and a ``hub.toml`` whose connector syncs it every
   second into a fresh SQLite store (the embedded default: in-process bus);
2. starts one ``hub serve`` process on 127.0.0.1 (the scheduler runs the syncs in it);
3. connects subscribers over real websockets (graphql-transport-ws, the ``websockets``
   library) in this process, first one (the baseline), then ``--subscribers``;
4. per round renames ``--changes`` projects in the source; the next scheduled sync commits one
   ``updated`` change each, and every subscriber must receive them all (a first round, not
   measured, makes sure that every subscription is set up);
5. prints, per run, the delay from each change's ``recordedAt`` (taken just before its
   transaction commits, so the figure errs on the high side) to its arrival, p50 and p99, and
   the events per second delivered across all subscribers;
6. runs the same clients against a hand-written broadcaster (``bench.feed_broadcast``: no log,
   no GraphQL, each event's JSON built once and one frame sent per subscriber, under the same
   uvicorn) and prints the hub's figures as ratios of it: what the hub adds to the cost of
   sending the frames at all on this machine.
The server and the clients share the machine's cores; the clients' own parsing is included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.feed_support import HUB_TOML, SUBSCRIPTION, free_port

ROUND_TIMEOUT_SECONDS = 60.0


def code(n: int) -> str:
    return f"2014-440304-47-01-{n:06d}"


class Source:
    """The department table the benchmark edits; each edit moves the sync cursor on."""

    def __init__(self, path: Path, projects: int) -> None:
        self.path = path
        self.projects = projects
        self.version = 0
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE XM_JBXX (XMDM TEXT PRIMARY KEY, XMMC TEXT, GXSJ TEXT)")
            db.executemany(
                "INSERT INTO XM_JBXX VALUES (?, ?, ?)",
                [(code(n), f"项目{n}", "2014-01-01 00:00:00") for n in range(projects)],
            )

    def rename_all(self) -> None:
        self.version += 1
        stamp = f"2015-01-01 {self.version // 3600:02d}:{self.version // 60 % 60:02d}:" + (
            f"{self.version % 60:02d}"
        )
        with sqlite3.connect(self.path) as db:
            db.execute("UPDATE XM_JBXX SET XMMC = XMMC || '+', GXSJ = ?", (stamp,))


class Client:
    """One subscriber: records, for each change, seconds from ``recordedAt`` to arrival."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.delays: list[float] = []
        self.received = 0

    @classmethod
    async def open(cls, address: str) -> Client:
        socket = await connect(
            f"ws://{address}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            max_queue=None,
        )
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        variables = {"filter": {"entities": ["project"], "fields": ["name"]}}
        payload = {"query": SUBSCRIPTION, "variables": variables}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return cls(socket)

    async def read(self) -> None:
        async for raw in self.socket:
            arrived = time.time()
            message = json.loads(raw)
            change = message["payload"]["data"]["changes"]
            recorded = datetime.fromisoformat(change["recordedAt"]).timestamp()
            self.delays.append(arrived - recorded)
            self.received += 1


Trigger = Callable[[], Awaitable[None]]


async def wait_healthy(address: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"hub serve exited with {process.returncode}")
            try:
                if (await http.get(f"http://{address}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("hub serve did not become healthy in 30 s")


async def run(
    address: str, trigger: Trigger, per_round: int, subscribers: int, rounds: int
) -> dict[str, float]:
    """Connect ``subscribers``, then ``rounds`` times ``trigger`` ``per_round`` changes and wait
    until every subscriber has them all."""
    clients: list[Client] = []
    for start in range(0, subscribers, 100):  # connect in waves: the server's backlog is finite
        count = min(100, subscribers - start)
        clients += await asyncio.gather(*(Client.open(address) for _ in range(count)))
    readers = [asyncio.create_task(c.read()) for c in clients]
    # A round that is not measured: every subscription is set up and has taken one change,
    # so that the rounds measure delivery, not the server still setting up subscriptions.
    await trigger()
    async with asyncio.timeout(ROUND_TIMEOUT_SECONDS):
        while min(c.received for c in clients) < per_round:
            await asyncio.sleep(0.01)
    for client in clients:
        client.delays.clear()
    started = time.perf_counter()
    expected = per_round
    for _ in range(rounds):
        await trigger()
        expected += per_round
        async with asyncio.timeout(ROUND_TIMEOUT_SECONDS):
            while min(c.received for c in clients) < expected:
                await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    for task in readers:
        task.cancel()
    await asyncio.gather(*(c.socket.close() for c in clients), return_exceptions=True)
    delays = sorted(d for c in clients for d in c.delays)
    # Events/s while delivering: the deliveries over the time from each sync's commit to its
    # last arrival, summed over rounds (the waits for the next scheduled sync are left out).
    busy = sum(_round_spans(clients, per_round, rounds))
    return {
        "subscribers": subscribers,
        "events": len(delays),
        "p50_ms": 1000 * statistics.median(delays),
        "p99_ms": 1000 * delays[min(len(delays) - 1, int(len(delays) * 0.99))],
        "max_ms": 1000 * delays[-1],
        "events_per_s": len(delays) / busy if busy else float("nan"),
        "seconds": elapsed,
    }


def _round_spans(clients: list[Client], per_round: int, rounds: int) -> list[float]:
    spans = []
    for r in range(rounds):
        window = [d for c in clients for d in c.delays[r * per_round : (r + 1) * per_round]]
        spans.append(max(window))
    return spans


def _start(command: list[str | Path]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(10)


async def measure_hub(root: Path, args: argparse.Namespace) -> list[dict[str, float]]:
    """One subscriber, then ``--subscribers``, on one ``hub serve`` process."""
    source = Source(root / "fgw.db", args.changes)
    config = root / "hub.toml"
    config.write_text(
        HUB_TOML.format(
            store=f"sqlite+aiosqlite:///{root / 'hub.db'}",
            bus="memory://",
            poll_seconds=2,
            source=f"sqlite:///{root / 'fgw.db'}",
        )
    )
    port = free_port()
    address = f"127.0.0.1:{port}"
    hub = Path(sys.executable).with_name("hub")
    process = _start([hub, "serve", "-c", config, "--port", str(port), "--host", "127.0.0.1"])

    async def rename() -> None:  # the next scheduled sync commits the changes
        source.rename_all()

    try:
        await wait_healthy(address, process)
        await asyncio.sleep(2)  # the first scheduled sync creates the projects
        return [
            await run(address, rename, args.changes, 1, args.rounds),
            await run(address, rename, args.changes, args.subscribers, args.rounds),
        ]
    finally:
        _stop(process)


async def measure_broadcast(args: argparse.Namespace) -> dict[str, float]:
    """``--subscribers`` on the hand-written broadcaster."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    process = _start([sys.executable, "-m", "bench.feed_broadcast", "--port", str(port)])
    async with httpx.AsyncClient() as http:

        async def fire() -> None:
            await asyncio.sleep(1.0)  # as the hub waits for its next scheduled sync
            response = await http.post(f"http://{address}/fire", params={"changes": args.changes})
            response.raise_for_status()

        try:
            await wait_healthy(address, process)
            return await run(address, fire, args.changes, args.subscribers, args.rounds)
        finally:
            _stop(process)


def _row(label: str, r: dict[str, float]) -> str:
    return (
        f"{label:<14} {r['subscribers']:>11,} {r['events']:>8,} {r['p50_ms']:>8.1f} "
        f"{r['p99_ms']:>8.1f} {r['max_ms']:>8.1f} {r['events_per_s']:>10,.0f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=10, help="changes per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = await measure_hub(Path(folder), args)
    baseline = await measure_broadcast(args)
    print(f"change feed: {args.rounds} rounds x {args.changes} changes, one server process")
    print(
        f"{'server':<14} {'subscribers':>11} {'events':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'events/s':>10}"
    )
    for r in results:
        print(_row("hub", r))
    print(_row("hand-written", baseline))
    hub = results[-1]
    print(
        f"with {args.subscribers:,} subscribers, hub / hand-written broadcaster: "
        f"events/s {hub['events_per_s'] / baseline['events_per_s']:.2f}, "
        f"p99 {hub['p99_ms'] / baseline['p99_ms']:.2f}x"
    )
    p99 = hub["p99_ms"]
    verdict = "meets" if p99 < 500 else "misses"
    print(f"p99 with {args.subscribers:,} subscribers: {p99:.0f} ms ({verdict} the 500 ms aim)")


if __name__ == "__main__":
    asyncio.run(main())
