"""The demo, built and synced for the tests that read it (``tests/conftest.py`` keeps one for the
whole session: ``synced_demo``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from connectors.registry import build_connector
from hub.config import load_config
from hub.store import Store
from hub.sync import SyncEngine


async def sync_demo(path: Path) -> tuple[Store, int]:
    """The demo at ``path`` synced into its own store by every connector; the store (the caller
    disposes of it) and the orphan filings the sync reported."""
    config = load_config(path)
    store = Store(config.resolve_url(config.store.url))
    await store.migrate()
    engine = SyncEngine(store, config)
    orphans = 0
    for connector_config in config.connectors:
        connector = build_connector(connector_config, config)
        try:
            report = await engine.sync(connector)
        finally:
            await connector.close()
        assert report.state == "succeeded", report.error
        orphans += report.total("orphans")
    return store, orphans


@dataclass(frozen=True, slots=True)
class SyncedDemo:
    """The demo's ``hub.toml`` and its synced store."""

    config_path: Path
    store: Store


@asynccontextmanager
async def synced_demo_at(folder: Path, scale: float = 1.0) -> AsyncIterator[SyncedDemo]:
    from hub.demo import build_demo

    config_path = build_demo(folder, scale=scale)
    store, _ = await sync_demo(config_path)
    try:
        yield SyncedDemo(config_path, store)
    finally:
        await store.dispose()
