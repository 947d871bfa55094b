"""The `hub` command line, run in-process with typer's runner on real files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from tests import department_source as src

runner = CliRunner()


def write_config(folder: Path, source: Path) -> Path:
    config = folder / "hub.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///hub.db"

[[connectors]]
name = "fgw"
kind = "sql"
url = "sqlite:///{source.relative_to(folder)}"
department = "FGW"
value_maps.xmzt = {{ "1" = "UNDER_APPROVAL" }}

[[connectors.streams]]
entity = "project"
table = "XM_JBXX"
cursor = "GXSJ"
fields = {{ code = "XMDM", name = "XMMC", status = {{ column = "XMZT", map = "xmzt" }} }}
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    source = tmp_path / "fgw.db"
    asyncio.run(src.create_source(f"sqlite:///{source}", projects_count=6, filings_count=0))
    return write_config(tmp_path, source)


def test_sync_prints_a_table_and_a_second_sync_changes_nothing(config: Path) -> None:
    first = runner.invoke(app, ["sync", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert "fgw" in first.output and "project" in first.output
    row = next(line for line in first.output.splitlines() if "project" in line)
    assert row.split("│")[3].strip() == "6"  # read
    assert row.split("│")[4].strip() == "6"  # inserted
    again = runner.invoke(app, ["sync", "--config", str(config)])
    row = next(line for line in again.output.splitlines() if "project" in line)
    # Incremental: only the row at the stored cursor is read again, and it is unchanged.
    cells = [cell.strip() for cell in row.split("│")]
    assert (cells[3], cells[4], cells[5], cells[6]) == ("1", "0", "0", "1")


def test_check_reports_each_source_and_mapping(config: Path) -> None:
    result = runner.invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "sqlite" in result.output and "ok" in result.output
    config.write_text(config.read_text().replace('name = "XMMC"', 'name = "XMMC2"'))
    broken = runner.invoke(app, ["check", "--config", str(config)])
    assert broken.exit_code == 1
    assert "mapping error" in broken.output and "XMMC2" in broken.output


def test_a_config_error_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[store]\nurl = "sqlite:///x.db"\n[[connectors]]\nname = "a"\nkind = "ftp"\n')
    result = runner.invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 2
    assert "connectors.a.kind: unknown connector kind 'ftp'; known:" in result.output
    assert "Traceback" not in result.output


def test_a_failed_source_exits_non_zero_and_names_the_connector(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "missing" / "fgw.db")
    result = runner.invoke(app, ["sync", "--config", str(config)])
    assert result.exit_code == 1
    assert "fgw failed" in result.output and "does not exist" in result.output


def test_schema_prints_the_sdl() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert "type Query" in result.output and "projects(" in result.output
