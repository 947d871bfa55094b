"""Webhook secrets at rest: encrypted with HUB_SECRET_KEY, decrypted at delivery (the receiver
verifies the signature), a clear error without the key or with the wrong one, rotation by
`hub webhook rekey`, and secrets stored in clear by an older hub encrypted on start."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from standardwebhooks import Webhook as Verifier
from typer.testing import CliRunner

from hub import tables
from hub.bus.memory import MemoryBus
from hub.cli import app
from hub.config import HubConfig
from hub.feed import ChangeFilter
from hub.runtime import open_runtime
from hub.secret_key import ENV, SecretKey, SecretKeyError, demo_key
from hub.store import Store
from hub.webhooks import Webhooks, WebhookWorker
from hub.webhooks.targets import TargetPolicy
from tests.feed_support import Department, Receiver, live_server

pytestmark = pytest.mark.anyio
LOCAL = TargetPolicy.allowing(["127.0.0.0/8"])
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


async def stored_secrets(store: Store) -> dict[str, str]:
    async with store.read() as conn:
        rows = (await conn.execute(select(tables.webhooks.c.name, tables.webhooks.c.secret))).all()
    return {r.name: r.secret for r in rows}


async def test_secrets_are_stored_encrypted_and_signed_with_in_clear(
    store: Store, tmp_path: Path
) -> None:
    fgw = await Department(tmp_path, "fgw", 1, 1).create()
    receiver = Receiver()
    key = SecretKey([OLD])
    async with live_server(receiver.app) as address, MemoryBus() as bus:
        hooks = Webhooks(store, bus, policy=LOCAL, key=key)
        hook = await hooks.register("zjj", f"http://{address}/hook", ChangeFilter(), after=0)
        stored = (await stored_secrets(store))["zjj"]
        assert stored.startswith("fernet:") and hook.secret.startswith("whsec_")
        assert hook.secret not in stored and (await hooks.get("zjj")).secret == ""
        assert key.open(stored) == hook.secret
        async with WebhookWorker(store, bus, policy=LOCAL, key=key):
            await fgw.sync(store, bus.publish)
            await receiver.wait_for(1)
    headers, body = receiver.requests[0]
    assert Verifier(hook.secret).verify(body, headers)["data"]["seq"] >= 1


async def test_a_missing_or_wrong_key_is_a_clear_error(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV)
    hooks = Webhooks(store, MemoryBus(), policy=LOCAL)
    with pytest.raises(SecretKeyError, match=f"^{ENV} is not set: .*Fernet.generate_key"):
        await hooks.register("zjj", "http://127.0.0.1:9/", ChangeFilter())
    monkeypatch.setenv(ENV, "not-a-key")
    with pytest.raises(SecretKeyError, match=f"^{ENV} key 1 of 1 is not a Fernet key"):
        await hooks.register("zjj", "http://127.0.0.1:9/", ChangeFilter())
    monkeypatch.setenv(ENV, OLD)
    await hooks.register("zjj", "http://127.0.0.1:9/", ChangeFilter())
    with pytest.raises(SecretKeyError, match="cannot decrypt the secret of webhook 'zjj'"):
        await Webhooks(store, MemoryBus(), key=SecretKey([NEW])).rekey()


async def test_rotation_reencrypts_every_secret_with_the_new_key(store: Store) -> None:
    hooks = Webhooks(store, MemoryBus(), policy=LOCAL, key=SecretKey([OLD]))
    first = await hooks.register("a", "http://127.0.0.1:9/", ChangeFilter())
    second = await hooks.register("b", "http://127.0.0.1:9/", ChangeFilter())
    rotating = Webhooks(store, MemoryBus(), key=SecretKey.from_environment({ENV: f"{NEW},{OLD}"}))
    assert await rotating.rekey() == 2
    assert await rotating.rekey() == 0  # all on the new key now
    stored = await stored_secrets(store)
    assert SecretKey([NEW]).open(stored["a"]) == first.secret
    assert SecretKey([NEW]).open(stored["b"]) == second.secret
    with pytest.raises(SecretKeyError):
        SecretKey([OLD]).open(stored["a"])


async def test_secrets_an_older_hub_stored_in_clear_are_encrypted_on_start(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = Webhooks(store, MemoryBus(), policy=LOCAL)
    await hooks.register("legacy", "http://127.0.0.1:9/", ChangeFilter())
    clear = "whsec_" + "QUJD" * 8
    async with store.write() as conn:
        await conn.execute(update(tables.webhooks).values(secret=clear))
    monkeypatch.delenv(ENV)
    async with open_runtime(HubConfig(), store, serve_feed=False):
        pass  # without a key the secret stays as it is (and a warning is logged)
    assert (await stored_secrets(store))["legacy"] == clear
    monkeypatch.setenv(ENV, NEW)
    async with open_runtime(HubConfig(), store, serve_feed=False):
        pass
    sealed = (await stored_secrets(store))["legacy"]
    assert sealed.startswith("fernet:") and SecretKey([NEW]).open(sealed) == clear


def test_the_demo_makes_its_own_key_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = demo_key(tmp_path / "demo")
    assert demo_key(tmp_path / "demo") == key
    assert SecretKey([key]).open(SecretKey([key]).seal("x")) == "x"
    assert stat.S_IMODE((tmp_path / "demo" / "secret.key").stat().st_mode) == 0o600
    # `hub demo` without HUB_SECRET_KEY uses (and says it uses) the demo directory's key.
    monkeypatch.delenv(ENV)
    monkeypatch.setenv("COLUMNS", "300")
    demo = ["demo", "--dir", str(tmp_path / "demo"), "--scale", "0.02", "--no-serve"]
    result = CliRunner().invoke(app, demo)
    assert result.exit_code == 0, result.output
    assert f"{ENV} is unset: webhook secrets are encrypted with the demo's own key" in result.output
    assert os.environ[ENV] == key
