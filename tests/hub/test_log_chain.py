"""The change log's hash chain and signed heads: `hub verify-log` names the first seq that does
not match after a row is edited or removed behind the hub's back, a consistent rewrite is caught
by the signed head, and the chain stays valid across concurrent syncs and killed sync processes;
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner, Result

from hub import tables
from hub.changelog import ChangeLog, ChangeRecord, Provenance
from hub.cli import app
from hub.clock import utcnow
from hub.log_chain import GENESIS, row_hash, sign_head, verify_log
from hub.signatures import algorithm
from hub.store import Store
from tests import department_source as src

pytestmark = pytest.mark.anyio
HUB_KEY = "4c" * 32


async def synced(store: Store, tmp_path: Path, name: str = "fgw") -> None:
    url = f"sqlite:///{tmp_path / f'{name}.db'}"
    await src.create_source(url)
    report = await src.sync_once(store, src.source_config(url))
    assert report.state == "succeeded", report.error


async def seqs(store: Store) -> list[int]:
    async with store.read() as conn:
        return list(
            (
                await conn.execute(select(tables.changes.c.seq).order_by(tables.changes.c.seq))
            ).scalars()
        )


async def test_an_edited_row_is_named_by_its_seq_a_removed_one_by_the_next(
    store: Store, tmp_path: Path
) -> None:
    await synced(store, tmp_path)
    assert await sign_head(store, HUB_KEY, utcnow()) is not None
    hub_key = algorithm("ED25519").public_key(HUB_KEY)
    intact = await verify_log(store, [hub_key])
    assert intact.ok and intact.rows == 30 and intact.heads == 1
    target = (await seqs(store))[11]
    async with store.write() as conn:
        await conn.execute(
            update(tables.changes)
            .where(tables.changes.c.seq == target)
            .values(new_value={"name": "篡改"})
        )
    found = await verify_log(store, [hub_key])
    assert found.first_bad_seq == target
    assert found.problems == [
        f"seq {target}: its hash does not follow from its content and the row before (the row, "
        "or one before it, was changed, inserted or removed)"
    ]
    removed, after = (await seqs(store))[4:6]
    async with store.write() as conn:
        await conn.execute(delete(tables.changes).where(tables.changes.c.seq == removed))
    assert (await verify_log(store)).first_bad_seq == after


async def test_a_consistent_rewrite_is_caught_by_the_signed_head(
    store: Store, tmp_path: Path
) -> None:
    await synced(store, tmp_path)
    head = await sign_head(store, HUB_KEY, utcnow())
    changes = tables.changes
    async with store.write() as conn:  # rewrite the last row and recompute its hash
        rows = (await conn.execute(select(changes).order_by(changes.c.seq.desc()).limit(2))).all()
        last, before = rows[0]._mapping, rows[1]._mapping
        forged = dict(last) | {"new_value": {"name": "伪造"}}
        await conn.execute(
            update(changes)
            .where(changes.c.seq == last["seq"])
            .values(
                new_value=forged["new_value"], chain_hash=row_hash(before["chain_hash"], forged)
            )
        )
    found = await verify_log(store)
    assert found.first_bad_seq == head
    assert found.problems == [
        f"signed head at seq {head}: the chain there differs from the one signed (rows up to it "
        "were rewritten)"
    ]
    # A head signed by another key than the hub's does not count.
    other = await verify_log(store, [algorithm("ED25519").public_key("5d" * 32)])
    assert f"signed head at seq {head}: not signed by the hub's key" in other.problems


async def test_the_chain_holds_across_concurrent_syncs(store: Store, tmp_path: Path) -> None:
    urls = [f"sqlite:///{tmp_path / f's{i}.db'}" for i in range(3)]
    for i, url in enumerate(urls):  # each source its own projects and filings
        await src.create_source(url, projects_count=0, filings_count=0)
        numbers = range(1000 * (i + 1), 1000 * (i + 1) + 40)
        await src.execute(url, src.projects.insert(), [src.project_row(n) for n in numbers])
        await src.execute(url, src.filings.insert(), [src.filing_row(n, n) for n in numbers])
    configs = []
    for i, url in enumerate(urls):
        config = src.source_config(url)
        connector = config.connectors[0].model_copy(update={"name": f"fgw{i}", "batch_size": 7})
        configs.append(config.model_copy(update={"connectors": [connector]}))
    reports = await asyncio.gather(*(src.sync_once(store, c) for c in configs))
    assert all(r.state == "succeeded" for r in reports), [r.error for r in reports]
    found = await verify_log(store)
    assert found.ok and found.rows == len(await seqs(store)) > 100, found.problems
    assert found.chained_from == (await seqs(store))[0]


async def test_the_chain_holds_when_a_writer_dies_mid_transaction(
    store: Store, tmp_path: Path
) -> None:
    """A writer that dies after appending (killed sync processes: tests/hub/test_crash.py)
    leaves nothing of its rows, and the next append continues the chain."""
    await synced(store, tmp_path)
    changelog = ChangeLog(store)
    provenance = Provenance("fgw", "FGW", None)
    with pytest.raises(RuntimeError):
        async with changelog.write() as transaction:
            await transaction.append(
                [ChangeRecord.deleted("project", "P-1", None)], provenance, utcnow()
            )
            raise RuntimeError("the process dies before commit")
    async with changelog.write() as transaction:
        await transaction.append(
            [ChangeRecord.deleted("project", "P-2", None)], provenance, utcnow()
        )
    found = await verify_log(store)
    assert found.ok and found.rows == 31, found.problems


async def test_hub_verify_log_exits_1_naming_the_seq(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        f'[store]\nurl = "{store_url}"\n[authenticity]\nlog_key = "${{HUB_LOG_KEY}}"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    env = {"HUB_LOG_KEY": HUB_KEY}

    def hub(*args: str) -> Result:
        return runner.invoke(app, [*args, "--config", str(config)], env=env)

    await synced(store, tmp_path)
    target = (await seqs(store))[7]
    signed = await asyncio.to_thread(hub, "sign-log-head")
    assert signed.exit_code == 0 and "signed the head at seq" in signed.output, signed.output
    ok = await asyncio.to_thread(hub, "verify-log")
    assert ok.exit_code == 0 and "the change log is intact" in ok.output, ok.output

    async with store.write() as conn:
        await conn.execute(
            update(tables.changes).where(tables.changes.c.seq == target).values(connector="x")
        )
    bad = await asyncio.to_thread(hub, "verify-log")
    assert bad.exit_code == 1
    assert f"first seq that does not match: {target}" in bad.output


def test_the_genesis_hash_starts_the_chain() -> None:
    assert GENESIS == "0" * 64
