"""A demo store for the graph benchmarks: the demo department databases at a scale, synced."""

from __future__ import annotations

from pathlib import Path

from hub.cli import sync_all
from hub.config import HubConfig, load_config
from hub.demo import build_demo
from hub.store import Store


async def demo_store(folder: Path, scale: float) -> HubConfig:
    """Build and sync the demo into ``folder``; returns its config (store: folder/hub.db)."""
    config_path = build_demo(folder, scale=scale)
    settings = load_config(config_path)
    store = Store(settings.resolve_url(settings.store.url))
    try:
        await store.migrate()
        await sync_all(settings, store, show_progress=False)
    finally:
        await store.dispose()
    return settings
