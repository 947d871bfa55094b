"""The demo's signed certificates (issue 12): every department signs with its own demo key, and
exactly the seven planted certificates are flagged, each by what is wrong with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, select

from hub import tables
from hub.changelog import ChangeLog
from hub.checks.runner import DataChecks
from hub.config import load_config
from hub.demo import build_demo, generate
from hub.demo.signing import Plant, prepare
from hub.store import Store
from tests.hub.test_demo import sync_demo

pytestmark = pytest.mark.anyio
SCALE = 0.2
DEMO_DAY = date(2014, 12, 31)


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Store, Path]]:
    path = build_demo(tmp_path_factory.mktemp("signed"), scale=SCALE)
    store, _ = await sync_demo(path)
    await DataChecks(ChangeLog(store), load_config(path)).run(DEMO_DAY)
    yield store, path
    await store.dispose()


@pytest.fixture(scope="module")
async def planted(demo: tuple[Store, Path]) -> dict[Plant, str]:
    """Each plant's outcome key in the store."""
    store, _ = demo
    o = tables.outcomes
    found = {}
    async with store.read() as conn:
        for plant, filing in prepare(generate(SCALE)).items():
            assert filing.outcome is not None
            key = (
                await conn.execute(
                    select(o.c.key).where(
                        and_(
                            o.c.document_number == filing.outcome.document_number,
                            o.c.project_code == filing.project_code,
                        )
                    )
                )
            ).scalar_one()
            found[plant] = key
    return found


async def flagged(store: Store, rule: str) -> dict[str, Any]:
    f = tables.findings
    async with store.read() as conn:
        rows = await conn.execute(
            select(f.c.entity_key, f.c.details).where(f.c.rule == rule, f.c.resolved_at.is_(None))
        )
        return {row.entity_key: row.details for row in rows}


async def test_every_certificate_but_the_planted_ones_is_verified(
    demo: tuple[Store, Path], planted: dict[Plant, str]
) -> None:
    store, _ = demo
    a = tables.outcome_authenticity
    async with store.read() as conn:
        states = dict((await conn.execute(select(a.c.outcome_key, a.c.state))).all())
        outcomes = len((await conn.execute(select(tables.outcomes.c.key))).all())
        algorithms = set((await conn.execute(select(a.c.algorithm).distinct())).scalars())
    assert len(states) == outcomes > 1000
    assert algorithms == {"SM2", "ED25519"}
    assert {k: s for k, s in states.items() if s != "VERIFIED"} == {
        planted[Plant.FORGED]: "INVALID_SIGNATURE",
        planted[Plant.ALTERED]: "INVALID_SIGNATURE",
        planted[Plant.UNKNOWN_KEY]: "UNKNOWN_KEY",
    }


async def test_exactly_the_planted_certificates_are_flagged(
    demo: tuple[Store, Path], planted: dict[Plant, str]
) -> None:
    store, _ = demo
    assert set(await flagged(store, "certificate_not_authentic")) == {
        planted[Plant.FORGED],
        planted[Plant.ALTERED],
        planted[Plant.UNKNOWN_KEY],
    }
    assert set(await flagged(store, "holder_mismatch")) == {planted[Plant.HOLDER_NOT_OWNER]}
    assert set(await flagged(store, "area_chain_mismatch")) == {planted[Plant.FLOOR_AREA]}
    duplicates = await flagged(store, "duplicate_document_number")
    assert planted[Plant.DUPLICATE_NUMBER] in duplicates and len(duplicates) == 2
    # The seed data has prerequisites used after they expired of its own; the planted one is
    # among them, named as the certificate that had expired.
    expired = {
        p["outcome"]
        for details in (await flagged(store, "prerequisite_violation")).values()
        for p in details["prerequisites"]
        if p["state"] == "EXPIRED"
    }
    assert planted[Plant.EXPIRED] in expired
