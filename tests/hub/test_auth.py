from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.requests import Request
from typer.testing import CliRunner

from hub import auth, tables
from hub.cli import app
from hub.errors import UnknownNameError
from hub.store import Store

pytestmark = pytest.mark.anyio


def bearer(token: str) -> Request:
    return Request({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})


async def test_a_token_is_stored_hashed_and_authenticates_until_revoked(store: Store) -> None:
    token = await auth.create_token(
        store, "zjj-push", scopes=["ingest:zjj", "read"], department="ZJJ"
    )
    async with store.read() as conn:
        row = (await conn.execute(select(tables.tokens))).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(tuple(row))

    principal = await auth.authenticate(bearer(token), store)
    assert principal == auth.Principal("zjj-push", "ZJJ", frozenset({"ingest:zjj", "read"}))
    assert principal.allows("ingest:zjj") and not principal.allows("ingest:fgw")
    assert await auth.authenticate(bearer(token + "x"), store) is None
    assert await auth.authenticate(Request({"type": "http", "headers": []}), store) is None

    await auth.revoke_token(store, "zjj-push")
    assert await auth.authenticate(bearer(token), store) is None
    (listed,) = await auth.list_tokens(store)
    assert listed.revoked_at is not None and listed.scopes == ("ingest:zjj", "read")
    with pytest.raises(UnknownNameError, match="unknown active token 'zjj-push'"):
        await auth.revoke_token(store, "zjj-push")


async def test_names_are_unique_and_scopes_required(store: Store) -> None:
    await auth.create_token(store, "platform", scopes=["ingest:*"])
    assert auth.Principal("platform", None, frozenset({"ingest:*"})).allows("ingest:fgw")
    with pytest.raises(auth.TokenError, match="a token named 'platform' exists"):
        await auth.create_token(store, "platform", scopes=["read"])
    with pytest.raises(auth.TokenError, match="needs at least one scope"):
        await auth.create_token(store, "nothing", scopes=[])


def test_deny_answers_401_or_403_with_www_authenticate() -> None:
    unauthenticated = auth.deny(None, "ingest:zjj")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["www-authenticate"] == 'Bearer realm="xietong-hub"'
    forbidden = auth.deny(auth.Principal("reader", None, frozenset({"read"})), "ingest:zjj")
    assert forbidden.status_code == 403
    assert 'error="insufficient_scope", scope="ingest:zjj"' in forbidden.headers["www-authenticate"]
    assert b"lacks the scope 'ingest:zjj'" in forbidden.body
    assert json.loads(forbidden.body)["errors"][0]["extensions"] == {
        "code": "FORBIDDEN",
        "scope": "ingest:zjj",
    }
    assert json.loads(unauthenticated.body)["errors"][0]["extensions"] == {
        "code": "UNAUTHENTICATED"
    }


def test_cli_creates_lists_and_revokes_tokens(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text('[store]\nurl = "sqlite+aiosqlite:///hub.db"\n')
    config = ["--config", str(tmp_path / "hub.toml")]
    runner = CliRunner()
    created = runner.invoke(
        app,
        ["token", "create", "zjj-push", "--scope", "ingest:zjj", "--department", "ZJJ", *config],
    )
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("xth_") and len(token) > 40
    listed = runner.invoke(app, ["token", "list", *config])
    assert "zjj-push" in listed.stdout and "ingest:zjj" in listed.stdout
    assert token not in listed.stdout
    again = runner.invoke(app, ["token", "create", "zjj-push", "--scope", "read", *config])
    assert again.exit_code == 2 and "exists" in again.output
    revoked = runner.invoke(app, ["token", "revoke", "zjj-push", *config])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
