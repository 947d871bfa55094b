"""A drop file that fails as a whole is not a plain success: the run is ``partial`` and names the
file; `hub status`, GraphQL ``sourceFiles`` and ``/metrics`` show the files' states; `hub check
--files` finds the file that would fail before a sync reads it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from hub import tables
from hub.cli import app
from hub.config import load_config
from hub.store import Store
from tests.asgi import serve
from tests.connectors.test_files import PINYIN, project_cells, write_csv
from tests.hub.http.test_metrics import Samples, samples

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    drops = tmp_path / "drops"
    drops.mkdir()
    write_csv(drops / "xm_1.csv", [project_cells(n) for n in (1, 2)], headers=PINYIN)
    write_csv(drops / "xm_2.csv", [project_cells(3, XMMC="福田区第3小学")], headers=PINYIN,
              encoding="gbk")  # fmt: skip
    config = tmp_path / "hub.toml"
    config.write_text(
        """
[store]
url = "sqlite:///hub.db"

[[connectors]]
name = "zjj"
kind = "csv"
path = "drops"
settle_seconds = 0

[[connectors.streams]]
entity = "project"
options = { pattern = "xm_*.csv" }
fields = { code = "XMDM", name = "XMMC" }
""",
        encoding="utf-8",
    )
    return config


def store_of(config: Path) -> Store:
    settings = load_config(config)
    return Store(settings.resolve_url(settings.store.url))


def test_check_files_reports_the_file_that_would_fail_and_records_nothing(config: Path) -> None:
    checked = runner.invoke(app, ["check", "--files", "--config", str(config)])
    assert checked.exit_code == 1
    (line,) = [line for line in checked.output.splitlines() if "file error" in line]
    assert "xm_2.csv" in checked.output and "GBK/GB18030" in checked.output
    assert "xm_1.csv" not in line
    plain = runner.invoke(app, ["check", "--config", str(config)])
    assert plain.exit_code == 0, plain.output  # without --files, files are not read

    async def recorded() -> int:
        store = store_of(config)
        async with store.read() as conn:
            count = len((await conn.execute(select(tables.source_files))).all())
        await store.dispose()
        return count

    assert asyncio.run(recorded()) == 0


def test_a_failed_file_makes_the_run_partial_and_shows_everywhere(config: Path) -> None:
    synced = runner.invoke(app, ["sync", "--config", str(config)])
    assert synced.exit_code == 1
    row = next(line for line in synced.output.splitlines() if "project" in line)
    assert "partial" in row and "ok" not in row
    assert "zjj partial: 1 file failed and was skipped: file " in synced.stderr
    assert "xm_2.csv" in synced.stderr

    status = runner.invoke(app, ["status", "--config", str(config)])
    assert status.exit_code == 0, status.output
    assert "partial" in status.output
    assert "failed drop files" in status.output
    assert "xm_2.csv#project" in status.output and "xm_1.csv#project" not in status.output
    every = runner.invoke(app, ["status", "--files", "--config", str(config)])
    assert "xm_1.csv#project" in every.output and "applied" in every.output

    async def served() -> tuple[dict[str, Any], Samples, str]:
        store = store_of(config)
        try:
            async with serve(store) as client:
                data = await client.data(
                    """{ all: sourceFiles(connector: "zjj") { file state rows error }
                         failed: sourceFiles(state: FAILED) { file }
                         syncRuns { nodes { state error } } }"""
                )
                metrics = samples((await client.http.get("/metrics")).text)
            async with store.read() as conn:
                run_state = (await conn.execute(select(tables.sync_runs.c.state))).scalar_one()
        finally:
            await store.dispose()
        return data, metrics, run_state

    data, metrics, run_state = asyncio.run(served())
    assert run_state == "partial"
    files = {f["file"]: f for f in data["all"]}
    assert files["xm_1.csv#project"]["state"] == "APPLIED"
    assert files["xm_1.csv#project"]["rows"] == 2
    assert files["xm_2.csv#project"]["state"] == "FAILED"
    assert "not UTF-8 as declared" in files["xm_2.csv#project"]["error"]
    assert data["failed"] == [{"file": "xm_2.csv#project"}]
    (run,) = data["syncRuns"]["nodes"]
    assert run["state"] == "PARTIAL" and "xm_2.csv" in run["error"]
    assert metrics["hub_source_files", (("connector", "zjj"), ("state", "applied"))] == 1
    assert metrics["hub_source_files", (("connector", "zjj"), ("state", "failed"))] == 1
    assert metrics["hub_sync_runs_total", (("connector", "zjj"), ("state", "partial"))] == 1
