"""GraphiQL works offline: in headless chromium that may reach nothing but the hub, the page
loads every asset from the hub, the editor renders, and the README's portal query runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from hub.config import load_config
from tests.browser.support import Offline, chromium, hub_serving, screenshot

ROOT = Path(__file__).parent.parent.parent


def portal_query() -> str:
    """The portal page query the docs tell readers to run in GraphiQL as written."""
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        found = re.search(r"#+ A portal page[^\n]*\n+```graphql\n(.*?)```", text, re.S)
        if found:
            return found.group(1)
    raise AssertionError("no portal page query in README.md or docs/")


@pytest.fixture(scope="module")
def hub(synced_demo: Path) -> Iterator[str]:
    with hub_serving(load_config(synced_demo)) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_graphiql_renders_from_the_hub_alone_and_runs_the_portal_query(
    hub: str, browser: Any
) -> None:
    offline = Offline(browser, hub)
    page = offline.context.new_page()
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    query = portal_query()
    page.goto(offline.url(f"/graphql?q={quote(query)}"))
    page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=15_000)
    assert "ProjectPage" in page.inner_text(".graphiql-query-editor")
    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    result.get_by_text('"totalCount"').first.wait_for(timeout=15_000)
    text = result.inner_text()
    assert '"projects"' in text and '"errors"' not in text
    screenshot(page, "graphiql.png")
    assert offline.blocked == []  # nothing asked for beyond the hub
    assert any(url.endswith("/static/vendor/graphiql.min.js") for url in loaded)
    assert all(url.startswith(f"http://{hub}/") for url in loaded)
    offline.context.close()
