"""One error shape at every door, one list of codes: ``/graphql`` over HTTP and websockets,
``/export`` and ``/ingest`` answer ``{"errors": [{"message", "extensions": {"code"}}]}``; every
code the code gives is in ``hub.errors.ErrorCode``, and docs/errors.md lists each of them."""

from __future__ import annotations

import ast
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from hub.config import HubConfig
from hub.errors import CODES, ErrorCode, codes_markdown
from hub.http.app import create_app
from hub.store import Store
from tests.asgi import running
from tests.feed_support import live_server

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "errors.md"
START, END = "<!-- codes: start (generated from hub.errors.CODES) -->", "<!-- codes: end -->"


def test_every_code_is_explained_and_docs_errors_md_lists_them_all() -> None:
    assert set(CODES) == set(ErrorCode)
    text = DOC.read_text()
    table = text[text.index(START) + len(START) : text.index(END)].strip() + "\n"
    if os.environ.get("HUB_WRITE_DOCS") == "1" and table != codes_markdown():
        DOC.write_text(text.replace(table.rstrip("\n"), codes_markdown().rstrip("\n")))
        table = codes_markdown()
    assert table == codes_markdown(), "run this test with HUB_WRITE_DOCS=1 to update the doc"
    for code in ErrorCode:
        assert f"| `{code}` |" in text


def given_codes() -> Iterator[tuple[str, str]]:
    """(file, code) for each code literal in the source: ``code="X"``, ``{"code": "X"}``,
    ``LimitError(message, "X", ...)`` and ``ErrorCode.X``; and the codes ``_code`` returns."""
    for folder in ("hub", "schema", "connectors", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            if "demo" in path.parts:  # code tables of the demo's sources: not error codes
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                found: list[ast.expr] = []
                called = getattr(node, "func", None)
                name = getattr(called, "id", getattr(called, "attr", ""))
                if isinstance(node, ast.Call) and name.endswith(("Error", "error_body")):
                    found += [k.value for k in node.keywords if k.arg == "code"]
                    if getattr(node.func, "id", "") == "LimitError" and len(node.args) > 1:
                        found.append(node.args[1])
                elif isinstance(node, ast.Dict):
                    found += [
                        v
                        for k, v in zip(node.keys, node.values, strict=True)
                        if isinstance(k, ast.Constant) and k.value == "code"
                    ]
                elif isinstance(node, ast.FunctionDef) and node.name == "_code":
                    found += [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
                elif isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == (
                    "ErrorCode"
                ):
                    yield str(path.relative_to(ROOT)), node.attr
                for value in found:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        yield str(path.relative_to(ROOT)), value.value


def test_every_code_the_source_gives_is_in_the_table() -> None:
    given = list(given_codes())
    assert len(given) > 20  # the scan finds them
    unknown = sorted({(file, code) for file, code in given if code not in set(ErrorCode)})
    assert unknown == [], "add these to hub.errors.ErrorCode and CODES"
    assert {"BAD_FILTER", "QUERY_TOO_COSTLY", "UNAUTHENTICATED"} <= {c for _, c in given}


@asynccontextmanager
async def serving(directory: Path, config: HubConfig) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a SQLite store (the error shape does not depend on the store)."""
    store = Store(f"sqlite+aiosqlite:///{directory / 'hub.db'}")
    app = create_app(config, store=store)
    try:
        async with running(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
                yield http
    finally:
        await store.dispose()


def only_error(body: dict[str, Any]) -> tuple[str, str]:
    (error,) = body["errors"]
    assert set(error) <= {"message", "extensions", "locations", "path"}
    return error["message"], error["extensions"]["code"]


async def test_the_same_shape_at_every_http_door(tmp_path: Path) -> None:
    config = HubConfig.model_validate({"server": {"require_token": True}})
    async with serving(tmp_path, config) as http:
        answers = [
            await http.post("/graphql", json={"query": "{ projects { totalCount } }"}),
            await http.get("/export/projects.csv"),
            await http.post("/ingest/zjj_push/filing", json=[]),
        ]
    for answer in answers:
        assert answer.status_code == 401
        message, code = only_error(answer.json())
        assert code == "UNAUTHENTICATED" and "bearer token" in message


async def test_a_bad_bigint_literal_is_a_validation_error(tmp_path: Path) -> None:
    queries = [
        "{ changes(after: 99999999999999999999999) { endSeq } }",
        '{ changes(after: "12x") { endSeq } }',
        "{ changes(after: 1.5) { endSeq } }",
    ]
    async with serving(tmp_path, HubConfig()) as http:
        for query in queries:
            answer = await http.post("/graphql", json={"query": query})
            message, code = only_error(answer.json())
            assert code == "GRAPHQL_VALIDATION_FAILED", answer.text
            assert "BigInt takes a 64-bit integer" in message


async def test_websocket_validation_errors_carry_a_code(tmp_path: Path) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    try:
        async with live_server(create_app(HubConfig(), store=store)) as address:
            async with connect(
                f"ws://{address}/graphql",
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            ) as socket:
                await socket.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await socket.recv())["type"] == "connection_ack"
                codes = []
                for number, query in enumerate(
                    [
                        "subscription { changes(after: 99999999999999999999999) { seq } }",
                        "subscription { changes { colour } }",
                    ]
                ):
                    subscribe = {"query": query}
                    await socket.send(
                        json.dumps({"id": str(number), "type": "subscribe", "payload": subscribe})
                    )
                    message = json.loads(await socket.recv())
                    assert message["type"] == "error", message
                    codes.append(only_error({"errors": message["payload"]})[1])
    finally:
        await store.dispose()
    assert codes == ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"]
