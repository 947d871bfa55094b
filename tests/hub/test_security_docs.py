"""Every example of docs/security.md, run: its GraphQL as the role its ``# as:`` line names (on
the seeded store of tests/hub/test_security.py), its TOML through the config parser, its
shell lines through the CLI (``hub ...``) or the app (``curl``)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.config import parse_config
from tests.hub.test_security import Hub, hub  # noqa: F401 - the fixture

pytestmark = pytest.mark.anyio
DOC = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def test_the_doc_has_its_examples_and_sections() -> None:
    assert len(blocks("graphql")) >= 5 and blocks("toml") and len(blocks("sh")) >= 3
    for heading in (
        "## Roles",
        "## What anonymous callers can do",
        "## Tokens",
        "### Webhook targets",
        "## What is audited",
    ):
        assert heading in DOC


def test_its_toml_is_a_valid_config() -> None:
    for block in blocks("toml"):
        config = parse_config(tomllib.loads(block))
        assert config.role("operator").sensitive and config.role("viewer").data == "all"


async def test_its_queries_answer_as_their_roles_say(hub: Hub) -> None:  # noqa: F811
    for block in blocks("graphql"):
        role = re.search(r"# as: (.+)", block)
        assert role is not None, block
        name = role.group(1).strip()
        name = "dept:" + name.split()[1] if name.startswith("department ") else name
        expect = re.search(r"# expect: (\w+)", block)
        body = await hub.gql(name, block)
        if expect is not None:
            assert body["errors"][0]["extensions"]["code"] == expect.group(1), body
        elif "registerWebhook" in block:  # ownership is granted; the target may be refused
            errors = body.get("errors") or []
            if errors:
                assert errors[0]["extensions"]["code"] == "INVALID_WEBHOOK", body
            else:
                assert body["data"]["registerWebhook"]["webhook"]["department"] == "GHJ"
        else:
            assert "errors" not in body, (block, body)


def shell_lines(command: str) -> list[list[str]]:
    lines = [shlex.split(line) for block in blocks("sh") for line in block.strip().splitlines()]
    assert {words[0] for words in lines} == {"hub", "curl"}
    return [words for words in lines if words[0] == command]


def test_its_hub_commands_run(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite+aiosqlite:///{tmp_path / "h.db"}"\n', "utf-8")
    runner = CliRunner()
    for words in shell_lines("hub"):
        result = runner.invoke(app, [*words[1:], "-c", str(config)])
        assert result.exit_code == 0, (words, result.output)


async def test_its_curl_lines_answer(hub: Hub) -> None:  # noqa: F811
    for words in shell_lines("curl"):
        path = re.sub(r"^https?://[^/]+", "", words[-1])
        response = await hub.http.get(path, headers=hub.headers("auditor"))
        assert response.status_code == 200, (words, response.text)
