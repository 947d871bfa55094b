"""What the browser tests share: the hub serving the session's demo on a real port (in a
thread with its own event loop, since Playwright's sync API runs in the test's), a token, and
Debian's chromium under Playwright with every request to anything but the hub blocked."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.auth import create_token
from hub.config import HubConfig
from hub.http.app import create_app
from hub.store import Store
from tests.feed_support import live_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
DOCS_IMAGES = Path(__file__).parent.parent.parent / "docs" / "img"


@contextmanager
def hub_serving(config: HubConfig) -> Iterator[str]:
    """The app for ``config`` on 127.0.0.1 (a free port) while the block runs: host:port."""
    started: queue.Queue[str | BaseException] = queue.Queue()
    stop = threading.Event()

    async def main() -> None:
        try:
            async with live_server(create_app(config)) as address:
                started.put(address)
                while not stop.is_set():
                    await asyncio.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - reported to the test's thread
            started.put(exc)

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    answer = started.get(timeout=120)
    if isinstance(answer, BaseException):
        raise answer
    try:
        yield answer
    finally:
        stop.set()
        thread.join(30)


def make_token(config: HubConfig, name: str, scopes: list[str], role: str | None = None) -> str:
    async def create() -> str:
        store = Store(config.resolve_url(config.store.url))
        try:
            return await create_token(store, name, scopes=scopes, role=role)
        finally:
            await store.dispose()

    return asyncio.run(create())


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, under Playwright (skipped with how to install it)."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


class Offline:
    """A browser context that may reach the hub only: every other request is aborted and
    remembered in ``blocked``."""

    def __init__(self, browser: Any, address: str, **options: Any) -> None:
        self.address = address
        self.blocked: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", **options
        )
        self.context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).netloc == self.address:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def url(self, path: str) -> str:
        return f"http://{self.address}{path}"


def screenshot(page: Any, name: str, *, docs: bool = False) -> Path:
    """Save a screenshot in tests/artifacts (and docs/img for the documentation's)."""
    folder = DOCS_IMAGES if docs else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=not docs)
    return path
