"""Shared fixtures: the store on SQLite and PostgreSQL, and scratch source databases.

Tests that need a service read its URL from HUB_TEST_POSTGRES_URL, HUB_TEST_MARIADB_URL or
HUB_TEST_REDIS_URL (``.ci/run`` sets them); without it they are skipped with a message that says
how to enable them. Each test gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hub.dburl import async_url
from hub.secret_key import ENV as SECRET_KEY_ENV
from hub.store import Store
from tests.demo_support import SyncedDemo, synced_demo_at

# Webhook secrets are encrypted with it; a fixed key of the tests' own (subprocesses inherit it).
TEST_SECRET_KEY = "tWbu3ZkOQKeCuOAUybBVuqd6bYqyB3TDFlQIh6v1XJ4="
os.environ.setdefault(SECRET_KEY_ENV, TEST_SECRET_KEY)

POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"
MARIADB_ENV = "HUB_TEST_MARIADB_URL"
REDIS_ENV = "HUB_TEST_REDIS_URL"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def service_url(env: str, example: str) -> str:
    url = os.environ.get(env)
    if not url:
        pytest.skip(f"{env} is not set; export {env}={example} to run this test")
    return url


def postgres_admin_url() -> str:
    return service_url(POSTGRES_ENV, "postgresql://postgres@127.0.0.1:5432/postgres")


def mariadb_admin_url() -> str:
    return service_url(MARIADB_ENV, "mysql://root@127.0.0.1:3306/test")


async def _admin(url: URL, statement: str) -> None:
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create_scratch_database(admin_url: str) -> URL:
    """Create a uniquely named database next to ``admin_url`` and return its URL."""
    url = make_url(admin_url)
    name = f"hub_t_{uuid.uuid4().hex[:12]}"
    if url.get_backend_name() == "postgresql":
        await _admin(url, f'CREATE DATABASE "{name}"')
    else:
        await _admin(url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    return url.set(database=name)


async def drop_scratch_database(admin_url: str, scratch: URL) -> None:
    url = make_url(admin_url)
    if url.get_backend_name() == "postgresql":
        await _admin(url, f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')
    else:
        await _admin(url, f"DROP DATABASE IF EXISTS `{scratch.database}`")


@pytest.fixture
async def postgres_database() -> AsyncIterator[URL]:
    """A fresh, empty PostgreSQL database (for a store or a department source)."""
    admin = postgres_admin_url()
    url = await create_scratch_database(admin)
    yield url
    await drop_scratch_database(admin, url)


@pytest.fixture
async def mariadb_database() -> AsyncIterator[URL]:
    """A fresh, empty MariaDB database (for a department source)."""
    admin = mariadb_admin_url()
    url = await create_scratch_database(admin)
    yield url
    await drop_scratch_database(admin, url)


@asynccontextmanager
async def scratch_source(backend: str, folder: Path) -> AsyncIterator[str]:
    """The URL of an empty department database on ``backend`` (sqlite, postgres, mariadb)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'source.db'}"
        return
    admin = postgres_admin_url() if backend == "postgres" else mariadb_admin_url()
    url = await create_scratch_database(admin)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await drop_scratch_database(admin, url)


SOURCE_BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


@pytest.fixture(params=SOURCE_BACKENDS)
async def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty department database on each backend departments run: SQLite, PostgreSQL,
    MariaDB."""
    async with scratch_source(str(request.param), tmp_path) as url:
        yield url


@pytest.fixture(params=SOURCE_BACKENDS[1:])
async def server_source_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty department database on a server backend (PostgreSQL, MariaDB), where a second
    transaction can write while a sync reads."""
    async with scratch_source(str(request.param), tmp_path) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store_url(store_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty store database: every store test runs on SQLite and PostgreSQL."""
    if store_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        return
    admin = postgres_admin_url()
    url = await create_scratch_database(admin)
    yield url.render_as_string(hide_password=False)
    await drop_scratch_database(admin, url)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """A migrated, empty unified store."""
    instance = Store(store_url)
    await instance.migrate()
    yield instance
    await instance.dispose()


@pytest.fixture(scope="session")
async def synced_demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SyncedDemo]:
    """The demo at the seed's scale, built and synced once for the whole session: for tests that
    read it (a test that writes builds its own with ``synced_demo_at``)."""
    async with synced_demo_at(tmp_path_factory.mktemp("demo")) as demo:
        yield demo


@pytest.fixture
def anyio_tmp(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
