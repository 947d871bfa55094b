"""The demo's idle projects (issue 11): the generator plants 200-260 of them at scale 1 with
causes in the seed's shares, a mix of annotated and inferred; the synced hub finds exactly the
planted figures; and every example of docs/idle-projects.md runs on the demo."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub import auth
from hub.calendar import standard_calendar
from hub.config import load_config, parse_config
from hub.demo import build_demo
from hub.demo.annotations import expected_idle
from hub.http.app import create_app
from hub.sla import FilingClock, Supervision
from hub.store import Store
from schema import build_schema
from schema.context import Context
from tests.asgi import running
from tests.hub.test_demo import sync_demo

pytestmark = pytest.mark.anyio

SCALE = 0.2
DEMO_DAY = date(2014, 12, 31)
DOC = Path(__file__).resolve().parents[2] / "docs" / "idle-projects.md"
NON_LAND = ("TENDERING", "REPORT_WRITING", "DESIGN", "EXPERT_REVIEW", "ORGANISATION",
            "SCHEME_CHANGE", "SLOW_EARLY_WORK")  # fmt: skip


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Path, Store]]:
    path = build_demo(tmp_path_factory.mktemp("idle"), scale=SCALE)
    store, _ = await sync_demo(path)
    yield path, store
    await store.dispose()


async def run(store: Store, query: str) -> Any:
    context = Context.create(
        store, supervision=Supervision(FilingClock(store, standard_calendar()), DEMO_DAY)
    )
    result = await build_schema().execute(query, context_value=context)
    assert result.errors is None, result.errors
    return result.data


def test_the_demo_plants_the_seeds_idle_projects_and_shares() -> None:
    figures = expected_idle(1.0)
    assert 200 <= figures.total <= 260
    shares = {cause: n / figures.total for cause, n in figures.by_cause.items()}
    assert abs(sum(shares[c] for c in NON_LAND) - 0.6796) < 0.005
    assert abs(shares["LAND"] - 0.0485) < 0.005
    annotated = sum(figures.annotated.values())
    assert 0.3 < annotated / figures.total < 0.7  # a mix of annotated and inferred


async def test_the_hub_finds_exactly_the_planted_figures(demo: tuple[Path, Store]) -> None:
    _, store = demo
    data = await run(
        store,
        '{ idleStats(asOf: "2014-12-31", groupBy: [CAUSE]) '
        "{ cause { code } count share annotated inferred } }",
    )
    rows = {row["cause"]["code"]: row for row in data["idleStats"]}
    figures = expected_idle(SCALE)
    assert {c: r["count"] for c, r in rows.items()} == figures.by_cause
    assert {c: r["annotated"] for c, r in rows.items() if r["annotated"]} == figures.annotated
    assert all(r["count"] == r["annotated"] + r["inferred"] for r in rows.values())
    assert abs(sum(r["share"] for r in rows.values()) - 1) < 0.001


async def test_the_documented_examples_run_on_the_demo(demo: tuple[Path, Store]) -> None:
    path, store = demo
    queries = blocks("graphql")
    *reads, mutation = queries
    assert len(reads) == 3 and mutation.lstrip().startswith("mutation")
    by_cause, by_district, listed = [await run(store, query) for query in reads]
    total = expected_idle(SCALE).total
    assert sum(row["count"] for row in by_cause["idleStats"]) == total
    assert sum(row["count"] for row in by_district["idleStats"]) == total
    page = listed["projects"]
    assert page["totalCount"] == expected_idle(SCALE).by_cause["TENDERING"]
    assert {node["idle"]["cause"]["code"] for node in page["nodes"]} == {"TENDERING"}
    (toml,) = blocks("toml")
    idle = parse_config(tomllib.loads(toml)).idle
    assert [c.code for c in idle.causes] == ["TENDERING", "LAND", "OTHER"]
    assert [r.cause for r in idle.rules] == ["TENDERING", "LAND"]
    # The mutation, as a supervisor with a token of the `supervise` scope.
    token = await auth.create_token(store, "doc-supervisor", scopes=["read"], role="supervisor")
    app = create_app(load_config(path), store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            response = await http.post(
                "/graphql",
                json={"query": mutation},
                headers={"Authorization": f"Bearer {token}"},
            )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["annotateProject"]["cause"] == {"code": "LAND", "name": "用地落实"}
