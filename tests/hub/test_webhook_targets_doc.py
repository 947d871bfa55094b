"""docs/webhook-targets.md's examples run as written: its TOML is the config of a hub whose
policy allows what it says, and its console sessions run command by command (``$ `` lines, each
in bash with the environment the previous ones exported) and print what the doc shows."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import load_config
from hub.webhooks.targets import TargetPolicy, TargetRefusedError

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhook-targets.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text()) if lang == language]


@pytest.mark.anyio
async def test_the_toml_allows_its_network_and_nothing_else(tmp_path: Path) -> None:
    (toml,) = blocks("toml")
    (tmp_path / "hub.toml").write_text(toml)
    config = load_config(tmp_path / "hub.toml")
    policy = TargetPolicy.allowing(config.webhooks.allow_cidrs)
    assert str((await policy.check("http://10.1.2.3:8080/hook")).address) == "10.1.2.3"
    with pytest.raises(TargetRefusedError):
        await policy.check("http://10.2.0.1/")


def run_session(session: str, directory: Path, env_file: Path) -> None:
    """Each ``$ `` command of ``session`` in bash, after the environment of the ones before;
    the lines after a command are text its output must contain."""
    steps: list[tuple[str, list[str]]] = []
    for line in session.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif line.strip():
            steps[-1][1].append(line)
    for command, expected in steps:
        script = f"set -a; source {shlex.quote(str(env_file))}; set +a; {command}; "
        script += f"status=$?; export -p > {shlex.quote(str(env_file))}; exit $status"
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
        )
        output = result.stdout + result.stderr
        for text in expected:
            assert text in output, (command, output)
        refused = any(text.startswith("error:") for text in expected)
        assert (result.returncode != 0) == refused, (command, output)


def test_the_console_sessions_run_as_shown(tmp_path: Path) -> None:
    (toml,) = blocks("toml")
    (tmp_path / "hub.toml").write_text(toml)
    env_file = tmp_path / "env.sh"
    # The doc's shell: its python and hub, and no key but the one it exports.
    env_file.write_text(
        f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"\n'
        "unset HUB_SECRET_KEY\n"
    )
    sessions = blocks("console")
    assert len(sessions) == 2
    for session in sessions:
        run_session(session, tmp_path, env_file)
