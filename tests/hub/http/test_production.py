"""What production portals need of the server: CORS for portals on other origins, introspection
off, an allow-list of persisted queries, JSON logs with the request id, and ``hub --version``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry.types import ExecutionResult
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.config import GraphQLConfig, HubConfig, parse_config
from hub.errors import ConfigError
from hub.http.app import create_app
from hub.store import Store
from schema import build_schema
from schema.persisted import PersistedQueries, document_hash
from tests.asgi import GraphQLClient, running

pytestmark = pytest.mark.anyio

PORTAL = "https://portal.sz.gov.cn"
DEPARTMENTS = "{ departments { code } }"
PROJECT = "query ($code: String!) { project(code: $code) { code } }"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A SQLite store: what is tested here happens before any statement, on every backend."""
    instance = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    await instance.migrate()
    yield instance
    await instance.dispose()


@asynccontextmanager
async def serving(store: Store, **sections: Any) -> AsyncIterator[GraphQLClient]:
    app = create_app(HubConfig(**sections), store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield GraphQLClient(http)


async def test_cors_lets_the_configured_portals_call_the_api(store: Store) -> None:
    async with serving(
        store, http={"cors_origins": [PORTAL]}, server={"require_token": True}
    ) as gql:
        preflight = await gql.http.options(
            "/graphql",
            headers={
                "origin": PORTAL,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        # Answered before the token check: a browser's preflight carries no token.
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == PORTAL
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        refused = await gql.http.post(
            "/graphql", json={"query": DEPARTMENTS}, headers={"origin": PORTAL}
        )
        assert refused.status_code == 401  # CORS is no way around the token
        assert refused.headers["access-control-allow-origin"] == PORTAL
        assert "x-request-id" in refused.headers["access-control-expose-headers"].lower()
        other = await gql.http.options(
            "/graphql",
            headers={
                "origin": "https://elsewhere.example",
                "access-control-request-method": "POST",
            },
        )
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    async with serving(store) as gql:  # no origins configured: no CORS headers at all
        plain = await gql.http.post(
            "/graphql", json={"query": DEPARTMENTS}, headers={"origin": PORTAL}
        )
        assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


async def test_introspection_can_be_switched_off(store: Store) -> None:
    async with serving(store, graphql={"introspection": False}) as gql:
        errors = await gql.errors("{ __schema { types { name } } }")
        assert "introspection has been disabled" in errors[0]["message"]
        assert await gql.data(DEPARTMENTS) == {"departments": []}
        assert (await gql.data("{ departments { __typename } }")) == {"departments": []}


async def test_only_persisted_queries_are_served_by_hash(store: Store, tmp_path: Path) -> None:
    listed = tmp_path / "queries.json"
    listed.write_text(json.dumps({"project-by-code": PROJECT, "departments": DEPARTMENTS}))
    graphql = {"persisted_queries": str(listed), "only_persisted": True}
    async with serving(store, graphql=graphql) as gql:

        async def by_hash(key: str, **variables: Any) -> dict[str, Any]:
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": key}}
            body = {"extensions": extensions, "variables": variables}
            return (await gql.http.post("/graphql", json=body)).json()

        found = await by_hash(document_hash(PROJECT), code="2014-440300-47-01-000001")
        assert found == {"data": {"project": None}}
        assert (await by_hash("departments"))["data"] == {"departments": []}  # by its id
        extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": "departments"}})
        got = await gql.http.get("/graphql", params={"extensions": extensions})
        assert got.json() == {"data": {"departments": []}}
        assert await gql.data(DEPARTMENTS) == {"departments": []}  # the text of a listed one
        unknown = (await by_hash("f" * 64))["errors"][0]
        assert unknown["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        other = await gql.errors("{ matters { code } }")
        assert other[0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        assert "sha256Hash" in other[0]["message"]


async def test_only_persisted_holds_for_subscriptions_too(tmp_path: Path) -> None:
    listed = tmp_path / "queries.json"
    listed.write_text(json.dumps({"departments": DEPARTMENTS}))
    graphql = GraphQLConfig(persisted_queries=str(listed), only_persisted=True)
    schema = build_schema(graphql=graphql, persisted=PersistedQueries.load(listed))
    events = await schema.subscribe("subscription { changes { seq } }")
    assert not isinstance(events, ExecutionResult)
    first = await anext(events)
    assert first.errors is not None
    assert first.errors[0].extensions == {"code": "PERSISTED_QUERY_REQUIRED"}


def test_production_settings_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not an origin"):
        parse_config({"http": {"cors_origins": ["https://portal.sz.gov.cn/"]}}, "hub.toml")
    with pytest.raises(ConfigError, match="only_persisted = true needs persisted_queries"):
        parse_config({"graphql": {"only_persisted": True}}, "hub.toml")
    stale = tmp_path / "queries.json"
    stale.write_text(json.dumps({"old": "{ projects { nodes { colour } } }"}))
    config = parse_config({"graphql": {"persisted_queries": str(stale)}}, "hub.toml")
    with pytest.raises(ConfigError, match=r"graphql.persisted_queries\['old'\]: not valid"):
        create_app(config)


def test_hub_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"hub (xietong-hub) {version('xietong-hub')}"


def test_hub_check_loads_the_persisted_queries(tmp_path: Path) -> None:
    listed = tmp_path / "queries.json"
    config = tmp_path / "hub.toml"
    config.write_text(
        '[store]\nurl = "sqlite+aiosqlite:///hub.db"\n\n'
        '[graphql]\npersisted_queries = "queries.json"\nonly_persisted = true\n'
    )
    listed.write_text(json.dumps({"a": DEPARTMENTS, "b": PROJECT}))
    ok = CliRunner().invoke(cli, ["check", "-c", str(config)])
    assert ok.exit_code == 0, ok.output
    assert "2 persisted queries in queries.json" in ok.output
    listed.write_text(json.dumps({"a": "{ departments { colour } }"}))
    stale = CliRunner().invoke(cli, ["check", "-c", str(config)])
    assert stale.exit_code == 1
    assert "not valid for the schema" in stale.output
