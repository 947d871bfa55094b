"""Signed outcomes: every authenticity state from a sync (on SQLite and PostgreSQL), a signed
field changed at the source without a new signature caught at the next sync, bad input stored
with its state, and the canonical form itself."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from hub import tables
from hub.authenticity import Authenticity, KeyRing, canonical_form
from hub.config import parse_config
from hub.errors import ConfigError
from hub.store import Store
from tests.hub.authenticity_support import (
    DOCUMENT_SHA256,
    ZJJ_OLD_KEY,
    filing,
    hub_config,
    keys_config,
    outcome,
    push,
    sign,
)

pytestmark = pytest.mark.anyio


async def states(store: Store) -> dict[str, tuple[str, str | None, str]]:
    table = tables.outcome_authenticity
    async with store.read() as conn:
        rows = await conn.execute(
            select(table.c.outcome_key, table.c.state, table.c.key_id, table.c.reason)
        )
        return {r.outcome_key: (r.state, r.key_id, r.reason) for r in rows}


def test_the_canonical_form_is_written_out_field_by_field() -> None:
    row = {
        "document_type": "建设工程规划许可证",
        "document_number": "深规许字[2014]0001号",
        "holder": "甲\n乙\\丙",
        "holder_credit_code": None,
        "project_code": "2014-440304-47-01-000001",
        "issued_at": datetime(2014, 5, 6, 3, 4, 5, 999),
        "valid_until": date(2016, 5, 5),
        "attributes": {"parcel": "B105-0123", "land_area_m2": 8000.0, "floor_area_m2": 1.25e4},
        "document_sha256": None,
    }
    assert canonical_form(row) == (
        "XTHUB-OUTCOME-1\n"
        "document_type=建设工程规划许可证\n"
        "document_number=深规许字[2014]0001号\n"
        "holder=甲\\n乙\\\\丙\n"
        "holder_credit_code=\n"
        "project_code=2014-440304-47-01-000001\n"
        "issued_at=2014-05-06T03:04:05Z\n"
        "valid_until=2016-05-05\n"
        "attributes.parcel=B105-0123\n"
        "attributes.land_area_m2=8000\n"
        "attributes.floor_area_m2=12500\n"
        "document_sha256=\n"
    )


async def test_each_state_of_a_synced_outcome(store: Store) -> None:
    config = hub_config(revoked="2014-03-01T00:00:00+08:00")
    await push(
        store, config, "filing", [filing("ZJJ", n) for n in range(1, 9)] + [filing("GHJ", 1)]
    )
    rows: list[dict[str, Any]] = [
        sign(outcome(1)),  # VERIFIED (Ed25519)
        sign(outcome(1, "GHJ")),  # VERIFIED (SM2 with SM3)
        outcome(2),  # UNSIGNED
        sign(outcome(3)) | {"holder": "冒名公司"},  # altered after signing
        sign(outcome(4)) | {"signing_key_id": "zjj-1999"},  # unknown key
        sign(outcome(5, signing_key_id="zjj-2013", issued_at="2013-06-01T00:00:00Z"), ZJJ_OLD_KEY),
        sign(outcome(6, signing_key_id="ghj-1")),  # another department's key
        sign(outcome(7, document_sha256="abc123")),  # a hash of the wrong length
        sign(outcome(8)) | {"signature": "not a signature!"},  # malformed
    ]
    results = await push(store, config, "outcome", rows)
    assert [r.result for r in results] == ["inserted"] * len(rows)  # nothing valid lost
    found = await states(store)
    assert {k: v[0] for k, v in found.items()} == {
        "ZJJ-1": "VERIFIED",
        "GHJ-1": "VERIFIED",
        "ZJJ-2": "UNSIGNED",
        "ZJJ-3": "INVALID_SIGNATURE",
        "ZJJ-4": "UNKNOWN_KEY",
        "ZJJ-5": "KEY_REVOKED",
        "ZJJ-6": "UNKNOWN_KEY",
        "ZJJ-7": "DOCUMENT_MISMATCH",
        "ZJJ-8": "INVALID_SIGNATURE",
    }
    assert found["ZJJ-1"][1] == "zjj-2014"
    assert "no department has a key 'zjj-1999'" in found["ZJJ-4"][2]
    assert (
        "revoked at 2014-02-29" not in found["ZJJ-5"][2]
        and "2014-02-28T16:00:00Z" in found["ZJJ-5"][2]
    )
    assert "belongs to GHJ, the outcome is issued by ZJJ" in found["ZJJ-6"][2]
    assert "'abc123' is not 64 lowercase hex digits" in found["ZJJ-7"][2]
    assert found["ZJJ-8"][2].startswith("malformed: ED25519 signature")


async def test_a_signed_field_changed_at_the_source_is_caught_at_the_next_sync(
    store: Store,
) -> None:
    config = hub_config()
    await push(store, config, "filing", [filing("ZJJ", 1), filing("ZJJ", 2)])
    good = [sign(outcome(1)), sign(outcome(2))]
    await push(store, config, "outcome", good)
    assert {v[0] for v in (await states(store)).values()} == {"VERIFIED"}
    floor = good[0] | {"attributes": {"parcel": "B105-0123", "floor_area_m2": 15000.5}}
    other_file = good[1] | {"document_sha256": "0" * 64}
    await push(store, config, "outcome", [floor, other_file])
    found = await states(store)
    assert found["ZJJ-1"][0] == "INVALID_SIGNATURE"
    assert "attributes.floor_area_m2 ('12000.5' -> '15000.5')" in found["ZJJ-1"][2]
    assert found["ZJJ-2"][0] == "DOCUMENT_MISMATCH"
    # The department re-signs: verified again.
    await push(store, config, "outcome", [sign(floor), sign(good[1])])
    assert {v[0] for v in (await states(store)).values()} == {"VERIFIED"}


async def test_an_unsigned_field_changing_costs_no_new_verification(store: Store) -> None:
    config = hub_config()
    await push(store, config, "outcome", [sign(outcome(1))])
    table = tables.outcome_authenticity
    async with store.read() as conn:
        first = (await conn.execute(select(table.c.checked_at))).scalar_one()
    await push(store, config, "outcome", [sign(outcome(1)) | {"decision": "REJECTED"}])
    async with store.read() as conn:
        assert (await conn.execute(select(table.c.checked_at))).scalar_one() == first


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ({"algorithm": "RSA"}, "unknown signature algorithm 'RSA'; known: ED25519, SM2"),
        ({"public_key": "zz"}, "ED25519 public key: neither hex nor base64"),
        (
            {"algorithm": "SM2", "public_key": "04" + "11" * 64},
            "SM2 public key: the point is not on the curve",
        ),
    ],
)
def test_a_malformed_department_key_is_a_config_error(key: dict[str, str], problem: str) -> None:
    keys = keys_config()
    keys["ZJJ"][0] |= key
    with pytest.raises(ConfigError) as caught:
        hub_config_with(keys)
    assert "keys.ZJJ[0]" in str(caught.value) and problem in str(caught.value)


def hub_config_with(keys: dict[str, Any]) -> None:
    parse_config({"keys": keys})


def test_the_demo_document_hash_is_a_sha256() -> None:
    assert len(DOCUMENT_SHA256) == 64


async def test_a_key_revoked_later_counts_once_the_outcomes_are_checked_again(
    store: Store,
) -> None:
    await push(store, hub_config(), "outcome", [sign(outcome(1)), sign(outcome(2, "GHJ"))])
    revoked = hub_config()
    keys = keys_config()
    keys["ZJJ"][0]["revoked_at"] = "2014-12-01T00:00:00Z"
    revoked = revoked.model_copy(update={"keys": parse_config({"keys": keys}).keys})
    changed = await Authenticity(KeyRing.from_config(revoked)).check_all(
        store, datetime(2015, 1, 1)
    )
    assert {k: v.state.value for k, v in changed.items()} == {"ZJJ-1": "KEY_REVOKED"}
    assert (await states(store))["GHJ-2"][0] == "VERIFIED"  # its key did not change: not redone
