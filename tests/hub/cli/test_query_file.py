from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.store import Store
from tests.schema import seed

QUERY = """
query ($district: String!, $first: Int) {
  projects(first: $first, filter: {district: {eq: $district}}) {
    nodes { code owner { name } filings(first: 5) { totalCount } }
  }
}
"""


def seeded(tmp_path: Path) -> Path:
    async def fill() -> None:
        store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
        await store.migrate()
        await seed.seed_catalogue(store)
        await seed.seed_projects(store, 8)
        await store.dispose()

    asyncio.run(fill())
    config = tmp_path / "hub.toml"
    config.write_text('[store]\nurl = "sqlite+aiosqlite:///hub.db"\n', encoding="utf-8")
    (tmp_path / "page.graphql").write_text(QUERY, encoding="utf-8")
    return config


def test_query_prints_json_and_csv_and_reports_errors(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    runner = CliRunner()
    page = str(tmp_path / "page.graphql")
    as_json = runner.invoke(
        app, ["query", page, "--var", "district=440304", "--var", "first=1", "-c", str(config)]
    )
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["data"]["projects"]["nodes"] == [
        {
            "code": seed.project_code(1),
            "owner": {"name": "深圳市建筑工务署"},
            "filings": {"totalCount": 2},
        }
    ]
    as_csv = runner.invoke(
        app, ["query", page, "--var", "district=440304", "--format", "csv", "-c", str(config)]
    )
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["code"] for r in rows] == [seed.project_code(1), seed.project_code(5)]
    assert rows[0]["owner.name"] == "深圳市建筑工务署" and rows[0]["filings.totalCount"] == "2"

    bad = runner.invoke(app, ["query", page, "--var", "district=44", "-c", str(config)])
    assert bad.exit_code == 1
    assert "not a district code" in bad.stderr and "BAD_FILTER" in bad.stderr
    assert runner.invoke(app, ["query", page, "--var", "oops", "-c", str(config)]).exit_code == 2
    assert runner.invoke(app, ["query", page, "--format", "xml", "-c", str(config)]).exit_code == 2


def test_schema_prints_the_sdl() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert "filingStats(groupBy: [FilingGroup!]!" in result.stdout
