"""Fixtures for schema tests: the real app, its lifespan running, on the test's store; for the
change feed, the app on a real port and a department source to sync.

Every schema test runs twice: on the accelerated schema and on the reference path, plain
strawberry (``HUB_ACCELERATE=0``, read wherever the schema is built), so that each
acceleration of ``schema.engine`` is proven to give what it replaces. The reference path runs
on the SQLite store only: the accelerations do not depend on the store, and the PostgreSQL
runs are what makes the schema tests slow."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from hub.http.app import create_app
from hub.store import Store
from schema.engine.accelerated import ACCELERATE_ENV
from tests.asgi import GraphQLClient, StatementLog, serve, trusted
from tests.feed_support import Department, Hub, live_server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    redundant = [item for item in items if _reference_on_postgres(item)]
    if redundant:
        config.hook.pytest_deselected(items=redundant)
        items[:] = [item for item in items if not _reference_on_postgres(item)]


def _reference_on_postgres(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get("accelerated") is False and params.get("store_backend") == "postgres"


@pytest.fixture(autouse=True, params=[True, False], ids=["accelerated", "reference"])
def accelerated(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The schema's path for the test: accelerated, or plain strawberry (the reference)."""
    monkeypatch.setenv(ACCELERATE_ENV, "1" if request.param else "0")
    return bool(request.param)


@pytest.fixture
async def gql(store: Store) -> AsyncIterator[GraphQLClient]:
    """A client of the app serving the test's store (default page size 20, max 500)."""
    async with serve(store) as client:
        yield client


@pytest.fixture
def sql_log(store: Store) -> Iterator[StatementLog]:
    """Counts statements with a ``before_cursor_execute`` event on the store's engine."""
    log = StatementLog()
    event.listen(store.engine.sync_engine, "before_cursor_execute", log)
    yield log
    event.remove(store.engine.sync_engine, "before_cursor_execute", log)


@pytest.fixture
async def fgw(tmp_path: Path) -> Department:
    return await Department(tmp_path, "fgw", 1, 6).create()


@pytest.fixture
async def hub(store: Store) -> AsyncIterator[Hub]:
    # The feed polls rarely, so that deliveries in these tests come from wake-ups.
    # Its webhooks' targets are on loopback, allowed as an operator would allow an internal net.
    config = trusted(
        {"bus": {"poll_seconds": 30, "queue_size": 4}, "webhooks": {"allow_cidrs": ["127.0.0.0/8"]}}
    )
    app = create_app(config, store=store)
    async with live_server(app) as address:
        yield Hub(address, app)
