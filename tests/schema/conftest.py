"""Fixtures for schema tests: the real app, its lifespan running, on the test's store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import event

from hub.store import Store
from tests.asgi import GraphQLClient, StatementLog, serve


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
