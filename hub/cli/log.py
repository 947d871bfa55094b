"""`hub verify-log` and `hub sign-log-head`: the change log's tamper evidence (hub.log_chain);
`hub check-authenticity`: the outcomes' signatures again after the key ring changed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from hub.authenticity import Authenticity, KeyRing, Verdict
from hub.cli.common import ConfigPath, app, console, errors, load_settings, on_store
from hub.clock import utcnow
from hub.config import HubConfig
from hub.log_chain import HEAD_ALGORITHM, LogCheck, sign_head, verify_log
from hub.signatures import algorithm
from hub.store import Store


def hub_public_keys(config: HubConfig) -> list[str]:
    """The hub's head-signing public key(s) the config names (none: trust the stored key)."""
    settings = config.authenticity
    keys = [settings.log_public_key] if settings.log_public_key else []
    if settings.log_key:
        keys.append(algorithm(HEAD_ALGORITHM).public_key(settings.log_key))
    return keys


@app.command("verify-log")
def verify_log_command(config: ConfigPath = Path("hub.toml")) -> None:
    """Recompute the change log's hash chain and check its signed heads; exit 1 naming the
    first seq that does not match."""
    settings = load_settings(config)

    async def check(store: Store) -> LogCheck:
        return await verify_log(store, hub_public_keys(settings))

    found = on_store(settings, check)
    start = f" (chained from seq {found.chained_from})" if found.chained_from else ""
    console.print(f"{found.rows} change rows{start}, {found.heads} signed heads")
    if found.ok:
        console.print("the change log is intact")
        return
    for problem in found.problems:
        errors.print(problem, markup=False)
    errors.print(f"first seq that does not match: {found.first_bad_seq}")
    raise typer.Exit(1)


@app.command("sign-log-head")
def sign_log_head_command(config: ConfigPath = Path("hub.toml")) -> None:
    """Sign the change log's current head with the hub's key ([authenticity] log_key) now
    (the serving and worker processes also do it every head_interval_minutes)."""
    settings = load_settings(config)
    key = settings.authenticity.log_key
    if not key:
        errors.print('[authenticity] log_key is not set (e.g. log_key = "${HUB_LOG_KEY}")')
        raise typer.Exit(2)

    async def sign(store: Store) -> int | None:
        return await sign_head(store, key, utcnow())

    seq = on_store(settings, sign)
    console.print("the change log is empty" if seq is None else f"signed the head at seq {seq}")


@app.command("check-authenticity")
def check_authenticity_command(config: ConfigPath = Path("hub.toml")) -> None:
    """Check every stored outcome's signature again against the keys in the config (after a
    key was added, rotated or revoked); only outcomes whose key changed are verified anew."""
    settings = load_settings(config)

    async def check(store: Store) -> dict[str, Verdict]:
        return await Authenticity(KeyRing.from_config(settings)).check_all(store, utcnow())

    changed = on_store(settings, check)
    states = Counter(verdict.state.value for verdict in changed.values())
    summary = ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
    console.print(f"{len(changed)} outcomes checked again" + (f": {summary}" if summary else ""))
