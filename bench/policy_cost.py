"""The cost of the access policy (issue 13), in one run on one server:

    python -m bench.policy_cost [--scale 1] [--seconds 5] [--concurrency 16]

Serves the real app with uvicorn on 127.0.0.1 (a child process, as ``bench.graphql_load``)
over the demo store and loads the portal page (one project, its filings, their events, outcome
and matter; the owner's credit code included) with:

- a ``supervisor`` token (unrestricted: no predicate, no mask; its sensitive reads audited) and
  a ``department`` token of the department with the most filings (row predicates and masks in
  every statement), rounds alternated; prints req/s, p50, p99 and the ratio department /
  supervisor (aim: >= 0.9);
- the supervisor's page beside the same page read by ``unaudited``, a role like the supervisor
  whose reads are not audited: the cost of writing the audit (aim: no noticeable difference).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.graph_demo import demo_store
from bench.graphql_load import _figures, _load, load_arguments, served
from hub import tables
from hub.auth import create_token
from hub.config import HubConfig
from hub.store import Store

PORTAL = """
query Portal($code: String!) {
  project(code: $code) {
    code name status owner { name creditCode } totalInvestment
    filings(first: 100) { nodes {
      key status submittedAt completedAt materials
      matter { name }
      events { step occurredAt actor opinion }
      outcome { documentNumber issuedAt holder }
    } }
  }
}
"""
UNAUDITED = """
[roles.unaudited]
data = "all"
sensitive = true
audit_reads = false
"""


async def _tokens(settings: HubConfig) -> tuple[str, dict[str, str], list[str]]:
    """The busiest department, a token per compared role, and project codes to load."""
    store = Store(settings.resolve_url(settings.store.url))
    f = tables.filings
    try:
        async with store.read() as conn:
            department = (
                await conn.execute(
                    select(f.c.department_code)
                    .where(f.c.department_code.is_not(None))
                    .group_by(f.c.department_code)
                    .order_by(func.count().desc())
                    .limit(1)
                )
            ).scalar_one()
            codes = list(
                (
                    await conn.execute(
                        select(f.c.project_code)
                        .where(f.c.department_code == department)
                        .distinct()
                        .order_by(f.c.project_code)
                        .limit(50)
                    )
                ).scalars()
            )
        tokens = {
            role: await create_token(
                store,
                f"bench-{role}",
                scopes=["read"],
                role=role,
                department=department if role == "department" else None,
            )
            for role in ("supervisor", "department", "unaudited")
        }
    finally:
        await store.dispose()
    return department, tokens, codes


async def _measure(
    client: httpx.AsyncClient,
    requests: dict[str, list[dict[str, Any]]],
    seconds: float,
    concurrency: int,
) -> dict[str, tuple[float, float, float]]:
    """Each role's figures over four alternated rounds of ``seconds / 4``."""
    latencies: dict[str, list[float]] = {role: [] for role in requests}
    for specs in requests.values():
        await _load(client, specs, 0.5, concurrency)  # warm up
    for _ in range(4):  # alternated: a neighbour's load on the machine hits both alike
        for role, specs in requests.items():
            latencies[role] += await _load(client, specs, seconds / 4, concurrency)
    return {role: _figures(found, seconds) for role, found in latencies.items()}


async def run(settings: HubConfig, config: Path, seconds: float, concurrency: int) -> None:
    department, tokens, codes = await _tokens(settings)

    def portal(role: str) -> list[dict[str, Any]]:
        headers = {"authorization": f"Bearer {tokens[role]}"}
        body = {"query": PORTAL, "variables": {}}
        return [
            {
                "method": "POST",
                "url": "/graphql",
                "json": body | {"variables": {"code": c}},
                "headers": headers,
            }
            for c in codes
        ]

    async with served(config, concurrency) as client:
        for role in tokens:
            answer = (await client.request(**portal(role)[0])).json()
            assert "errors" not in answer, answer
        print(f"{concurrency} concurrent clients, {seconds:g} s per role, uvicorn on 127.0.0.1")
        print(f"portal page of {len(codes)} projects with filings of {department}")
        print(f"{'token':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        pairs = (("department", "supervisor"), ("supervisor", "unaudited"))
        for first, second in pairs:
            found = await _measure(
                client, {first: portal(first), second: portal(second)}, seconds, concurrency
            )
            for role, (rate, p50, p99) in found.items():
                label = f"{role} ({department})" if role == "department" else role
                print(f"{label:22} {rate:8.1f} {p50:8.1f} {p99:8.1f}")
            ratio = found[first][0] / found[second][0]
            print(f"ratio {first} / {second} = {ratio:.2f}")


def main() -> None:
    args = load_arguments(__doc__)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        settings = asyncio.run(demo_store(Path(folder), args.scale))
        config = Path(folder) / "hub.toml"
        config.write_text(config.read_text(encoding="utf-8") + UNAUDITED, encoding="utf-8")
        asyncio.run(run(settings, config, args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
