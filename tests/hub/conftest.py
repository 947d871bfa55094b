"""The scale-1 demo, built and synced once per session: the demo's story (test_demo_story) and
its signed certificates and docs (test_demo_authenticity) read the same store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.demo import build_demo
from hub.store import Store
from tests.hub.test_demo import sync_demo


@pytest.fixture(scope="session")
async def synced_demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Store, Path]]:
    """The demo at scale 1 (what `hub demo` writes) synced by every connector: the store and
    the demo's hub.toml."""
    path = build_demo(tmp_path_factory.mktemp("story"), scale=1.0)
    store, _ = await sync_demo(path)
    yield store, path
    await store.dispose()
