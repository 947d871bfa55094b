"""The examples of docs/conventions.md and docs/configuration-extras.md are true: every GraphQL
query runs on the demo (and equals the JSON block after it, when there is one), every TOML block
is a hub.toml the hub loads and builds connectors from, every Python block runs, and every shell
command runs (``hub serve`` until it has served a request, whose log lines are JSON carrying the
request id)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shlex
import signal
import socket
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.registry import build_connector
from hub.config import parse_config
from schema import build_schema
from schema.context import Context
from tests.demo_support import SyncedDemo

pytestmark = pytest.mark.anyio

DOCS = Path(__file__).resolve().parents[1] / "docs"
FILES = ("conventions.md", "configuration-extras.md")
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def examples(language: str) -> list[tuple[str, str, str | None]]:
    """(file, block, the JSON block right after it if any) for each ``language`` block."""
    found: list[tuple[str, str, str | None]] = []
    for name in FILES:
        blocks = _BLOCK.findall((DOCS / name).read_text(encoding="utf-8"))
        for i, (lang, body) in enumerate(blocks):
            if lang == language:
                after = blocks[i + 1] if i + 1 < len(blocks) else None
                found.append((name, body, after[1] if after and after[0] == "json" else None))
    return found


async def test_every_graphql_example_runs_on_the_demo(synced_demo: SyncedDemo) -> None:
    demo = synced_demo.store  # the session's demo: these examples only read
    queries = examples("graphql")
    assert len(queries) >= 6
    schema = build_schema()
    for name, query, expected in queries:
        result = await schema.execute(query, context_value=Context.create(demo))
        assert result.errors is None, (name, query, result.errors)
        assert result.data and all(value for value in result.data.values()), (name, query)
        if expected is not None:
            assert result.data == json.loads(expected), (name, query)


def test_every_toml_example_is_a_config_the_hub_loads() -> None:
    configs = examples("toml")
    assert len(configs) >= 6
    for name, text, _ in configs:
        config = parse_config(tomllib.loads(text), name)
        for connector in config.connectors:
            build_connector(connector, config)


def test_every_python_example_runs() -> None:
    for name, code, _ in examples("python"):
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, name, "exec"), {})  # noqa: S102 - our own documentation
        assert output.getvalue().strip(), name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _serve_once(argv: list[str], folder: Path) -> list[dict[str, Any]]:
    """Run ``hub serve`` until it has answered one request; its log lines, parsed."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        *argv,
        "--port",
        str(port),
        "--no-scheduler",
        cwd=folder,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "HUB_ACCELERATE": "0"},
    )
    assert process.stderr is not None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    await http.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            response = await http.post(
                "/graphql",
                json={"query": "{ departments { code } }"},
                headers={"x-request-id": "portal-req-0001"},
            )
            assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output = (await asyncio.wait_for(process.stderr.read(), 30)).decode()
        await process.wait()
    return [json.loads(line) for line in output.splitlines() if line.strip()]


async def test_every_shell_example_runs(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text('[store]\nurl = "sqlite+aiosqlite:///hub.db"\n')
    commands = [line for _, block, _ in examples("shell") for line in block.splitlines() if line]
    assert len(commands) >= 2
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "hub", command
        argv = [sys.executable, "-m", "hub", *args[1:]]
        if args[1] == "serve":
            lines = await _serve_once(argv, tmp_path)
            keys = {"time", "level", "logger", "message", "requestId"}
            assert lines and all(keys <= set(line) for line in lines), command
            access = [x for x in lines if x["logger"] == "uvicorn.access"]
            assert [x["requestId"] for x in access if "/graphql" in x["message"]] == [
                "portal-req-0001"
            ]
            assert any(x["requestId"] is None for x in lines)  # startup, outside a request
            continue
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await process.communicate()
        assert process.returncode == 0 and stdout.strip(), command
