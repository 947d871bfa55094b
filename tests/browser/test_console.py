"""The operator console and GraphiQL in headless chromium, offline but for the hub (every other
request is blocked), on the session's demo. GraphiQL loads every asset from the hub, renders
and runs the README's portal query. In the console:
sign in with a token, the overview and "sync now", the supervision board as of the demo day,
a filing's project page with its timeline, the rejects, the reports archive and a report; bad
input and no token get a clear page with the right status. Screenshots of the board and of the
report go to docs/img (the documentation shows them), the others to tests/artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from hub.config import ReportsConfig, RoleConfig, load_config
from tests.browser.support import Offline, chromium, hub_serving, make_token, screenshot
from tests.demo_support import SyncedDemo

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
def hub(
    synced_demo: SyncedDemo, anyio_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The demo served with its reports in a folder of this module's: (address, operator
    token). (``anyio_backend`` lets anyio set up the session's async demo for these sync
    tests.)"""
    loaded = load_config(synced_demo.config_path)
    reports = ReportsConfig(directory=str(tmp_path_factory.mktemp("console-reports")))
    # One person who both operates (overview, rejects, sync now) and supervises (board,
    # reports, projects), raw rejected rows included (docs/security.md).
    lead = RoleConfig(data="all", sensitive=True, operations=True, supervise=True)
    config = loaded.model_copy(update={"reports": reports, "roles": loaded.roles | {"lead": lead}})
    token = make_token(config, "browser-operator", ["read"], role="lead")
    with hub_serving(config) as address:
        yield address, token


PLANTED = """
query Planted {
  findings(filter: {rules: ["certificate_not_authentic"]}, first: 1) {
    nodes { key projectCode }
  }
}
"""


def planted_forgery(address: str, token: str) -> dict[str, Any]:
    """A certificate the demo planted as not authentic: its key, project and state, as
    GraphQL tells them."""
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(f"http://{address}/graphql", json={"query": PLANTED}, headers=headers)
    (node,) = answer.json()["data"]["findings"]["nodes"]
    query = """query($k: String!) {
      outcomes(filter: {key: {eq: $k}}) { nodes { authenticity { state } } } }"""
    asked = {"query": query, "variables": {"k": node["key"]}}
    data = httpx.post(f"http://{address}/graphql", json=asked, headers=headers).json()["data"]
    (outcome,) = data["outcomes"]["nodes"]
    return {**node, "state": outcome["authenticity"]["state"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_without_a_token_the_console_asks_for_one(hub: tuple[str, str], browser: Any) -> None:
    address, _ = hub
    offline = Offline(browser, address)
    page = offline.context.new_page()
    answer = page.goto(offline.url("/"))  # / leads to the console
    assert answer is not None and answer.status == 401 and page.url.endswith("/console")
    assert "Sign in with a hub token" in page.inner_text("#message")
    page.fill("input[name=token]", "xth_not-a-token")
    page.click("form.login button")
    assert "not valid" in page.inner_text("#message")
    assert offline.blocked == []
    offline.context.close()


def test_an_operator_clicks_through_the_console(hub: tuple[str, str], browser: Any) -> None:
    address, token = hub
    offline = Offline(browser, address)
    page = offline.context.new_page()
    page.goto(offline.url("/console/board"))
    page.fill("input[name=token]", token)
    page.click("form.login button")
    # Back where the visitor wanted to go, the token in an HttpOnly cookie.
    assert page.url.endswith("/console/board")
    (cookie,) = offline.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # The board as of the demo day: the seed's 32 overdue filings, red, by department.
    assert "as of 2014-12-31" in page.inner_text("h1")
    assert page.locator("#red-filings tbody tr").count() == 32
    assert "32 overdue" in page.inner_text("main")
    assert page.locator("#board .chip.red").count() >= 5
    screenshot(page, "console-board.png", docs=True)
    earlier = page.goto(offline.url("/console/board?day=2014-12-21"))
    assert earlier is not None and earlier.status == 200
    assert "as of 2014-12-21" in page.inner_text("h1")
    page.goto(offline.url("/console/board"))

    # A red filing's link opens its project, the filing on the timeline.
    first = page.locator("#red-filings tbody tr a").first
    key = first.inner_text()
    first.click()
    assert f"#filing-{key}" in page.url
    assert page.locator("#gantt svg rect.step").count() >= 2
    assert page.locator(f"#filing-{key} .sla-OVERDUE").count() == 1
    assert page.locator("#certificates [data-authenticity]").count() >= 1
    assert page.locator(".unavailable").count() == 0
    assert page.locator("#history tbody tr").count() >= 1
    screenshot(page, "console-project.png")

    # A project with a planted forged certificate: its state, and the open finding about it.
    planted = planted_forgery(address, token)
    page.goto(offline.url(f"/console/projects/{planted['projectCode']}"))
    row = page.locator(f"#certificates tr[data-outcome='{planted['key']}']")
    assert row.locator("[data-authenticity]").get_attribute("data-authenticity") == planted["state"]
    assert planted["state"] != "VERIFIED"
    finding = page.locator("#findings tr.finding[data-rule=certificate_not_authentic]")
    assert finding.count() >= 1 and planted["key"] in finding.first.inner_text()
    assert int(page.locator("h2 >> text=Open findings").locator(".count").inner_text()) >= 1
    screenshot(page, "console-project-finding.png")

    # Rejects with their raw rows and reasons.
    page.click("nav >> text=Rejects")
    assert page.locator("#rejects tbody tr").count() >= 1
    assert page.locator("#rejects pre.raw").first.inner_text().strip().startswith("{")

    # The archive, a week opened from it, and the report it then keeps.
    page.click("nav >> text=Reports")
    assert "No report kept yet" in page.inner_text("main")
    page.fill("input[name=week]", "2014-W52")
    page.click("main form button")
    assert page.url.endswith("/reports/weekly/2014-W52.html")
    assert (
        page.locator("[data-figure='time_limits.overdue'] .value").inner_text().split()[0] == "28"
    )
    assert page.locator("figure.chart svg").count() == 6
    assert page.locator(".unavailable").count() == 0
    assert "findings open now" in page.locator("[data-note=findings]").inner_text()
    screenshot(page, "weekly-report.png", docs=True)
    page.goto(offline.url("/console/reports"))
    assert page.locator("#archive a", has_text="2014-W52").count() == 1

    # Bad input: a clear page and the right status.
    for path, status, says in (
        ("/console/projects/no-such-project", 404, "no project with the code"),
        ("/console/board?day=yesterday", 400, "not a date"),
        ("/reports/weekly/2014-W53.html", 400, "2014 has weeks 01 to 52"),
        ("/reports/weekly/2099-W01.html", 404, "after the business day"),
    ):
        answer = page.goto(offline.url(path))
        assert answer is not None and answer.status == status, path
        assert says in page.inner_text("#message"), path

    # The overview: every connector's streams, "sync now" for each (the operator's; last: the
    # sync then runs beside nothing else).
    page.click("nav >> text=Overview")
    assert page.locator("#connectors tr[data-connector=fgw]").count() >= 1
    assert page.locator("form[action='/console/sync/fgw'] button").count() == 1
    assert page.locator("form[action='/console/sync/ghj'] button").count() == 1
    assert page.locator("#findings tr.finding").count() == 20  # the newest of the open ones
    page.click("form[action='/console/sync/fgw'] button")
    assert "Sync of fgw started" in page.inner_text("#started")
    screenshot(page, "console-overview.png")
    assert offline.blocked == []
    offline.context.close()


def test_graphiql_renders_from_the_hub_alone_and_runs_the_portal_query(
    hub: tuple[str, str], browser: Any
) -> None:
    address, _ = hub
    offline = Offline(browser, address)
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
    assert '"project"' in text and "2010-440304-47-01-000005" in text and '"errors"' not in text
    screenshot(page, "graphiql.png")
    assert offline.blocked == []  # nothing asked for beyond the hub
    assert any(url.endswith("/static/vendor/graphiql.min.js") for url in loaded)
    assert all(url.startswith(f"http://{address}/") for url in loaded)
    offline.context.close()
