"""The import rules of DESIGN "Layout", as import-linter contracts in pyproject.toml: the core
imports none of schema, connectors and jobs except through its composition root (hub.http,
hub.cli), nothing imports that root, and the generic top-level names are this project's."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "schema", "connectors", "jobs")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    c["id"]: c for c in read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
}


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Check the contracts of ``tree``'s pyproject.toml on the packages found in ``tree``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,  # lint-imports puts its working directory first on the path
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_cover_the_core_and_its_composition_root() -> None:
    assert set(CONTRACTS["core"]["protected_modules"]) == {"schema", "connectors", "jobs"}
    assert {"hub.http", "hub.cli"} <= set(CONTRACTS["core"]["allowed_importers"])
    assert set(CONTRACTS["root"]["protected_modules"]) == {"hub.http", "hub.cli"}


def test_the_code_keeps_the_import_rules() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("package", "offending_import", "broken_contract"),
    [
        ("hub", "import schema.context", "core"),
        ("hub", "from jobs.sync_jobs import SyncJobs", "core"),
        ("hub", "from hub.http.app import create_app", "root"),
        ("connectors", "import schema.context", "packages"),
    ],
)
def test_a_module_that_imports_past_the_rules_is_reported(
    tmp_path: Path, package: str, offending_import: str, broken_contract: str
) -> None:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / package / "offender.py").write_text(f"{offending_import}\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{CONTRACTS[broken_contract]['name']} BROKEN" in " ".join(result.stdout.split())
    imported = offending_import.split()[1]
    assert f"{package}.offender -> {imported}" in result.stdout


@pytest.mark.parametrize("name", ["jobs", "connectors"])
def test_the_generic_top_level_names_are_this_projects_packages(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__file__ is not None
    assert Path(package.__file__).resolve().parent == ROOT / name
