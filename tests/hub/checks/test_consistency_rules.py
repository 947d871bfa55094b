"""The cross-certificate rules (业务真伪) on a small store (SQLite and PostgreSQL): a holder who is
not the owner, areas that drift along the approval chain beyond the tolerance, and certificates
whose signature does not hold; the consistent certificates beside them are not flagged."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub import tables
from hub.changelog import ChangeLog
from hub.checks.base import CheckContext
from hub.checks.registry import rule
from hub.checks.runner import DataChecks
from hub.config import parse_config
from hub.store import Store
from tests.asgi import serve
from tests.hub.checks.seed import NOW, PROJECT, catalogue, config, filing, outcome, project
from tests.hub.checks.test_rules import AS_OF, OTHER

pytestmark = pytest.mark.anyio
OWNER, CREDIT = "深圳市福田区建筑工务署", "11440300MB2C92052N"


async def found(store: Store, name: str, **authenticity: object) -> dict[str, str]:
    config = parse_config({"authenticity": authenticity, "keys": {"ZJJ": []}})
    async with store.read() as conn:
        ctx = CheckContext(store, conn, config, AS_OF, NOW)
        return {f.key: f.message for f in await rule(name).run(ctx)}


@pytest.fixture
async def chain(store: Store) -> Store:
    """Two projects: one consistent along planning -> construction, one that is not."""
    await catalogue(store)
    for code in (PROJECT, OTHER):
        await project(store, code, owner_name=OWNER, owner_credit_code=CREDIT)
        for key, matter, connector in (("PLAN", "GHJ-001", "ghj"), ("BUILD", "ZJJ-007", "zjj")):
            await filing(store, f"{key}-{code[-1]}", matter, project_code=code, connector=connector)
    plan = {"parcel": "B105-0123", "land_area_m2": 8000.0, "floor_area_m2": 12000.0}
    await outcome(
        store,
        "PLAN-1-O",
        "PLAN-1",
        holder=OWNER,
        holder_credit_code=CREDIT,
        attributes=plan,
        document_type="建设工程规划许可证",
        document_number="深规许字[2014]0001号",
        connector="ghj",
    )
    await outcome(
        store,
        "BUILD-1-O",
        "BUILD-1",
        holder=OWNER.upper(),
        attributes={"floor_area_m2": 12050.0},
        document_number="深建施字[2014]0001号",
    )
    await outcome(
        store,
        "PLAN-2-O",
        "PLAN-2",
        project_code=OTHER,
        holder=OWNER,
        attributes=plan,
        document_type="建设工程规划许可证",
        document_number="深规许字[2014]0002号",
        connector="ghj",
    )
    await outcome(
        store,
        "BUILD-2-O",
        "BUILD-2",
        project_code=OTHER,
        holder="冒名建设有限公司",
        holder_credit_code="91440300MA5DC0XX0X",
        attributes={"floor_area_m2": 15000.0, "parcel": "B105-9999"},
        document_type="建筑工程施工许可证",
        document_number="深建施字[2014]0002号",
    )
    return store


async def test_a_holder_who_is_not_the_owner_is_flagged(chain: Store) -> None:
    assert await found(chain, "holder_mismatch") == {
        "BUILD-2-O": "建筑工程施工许可证 深建施字[2014]0002号: holder '冒名建设有限公司' is not the "
        "project owner's '深圳市福田区建筑工务署'; holder credit code '91440300MA5DC0XX0X' is not "
        "the project owner's '11440300MB2C92052N'"
    }


async def test_without_an_owner_the_certificates_are_compared_with_each_other(store: Store) -> None:
    await catalogue(store)
    await project(store)
    for n in range(3):
        await filing(store, f"F{n}", "ZJJ-007")
        await outcome(
            store,
            f"O{n}",
            f"F{n}",
            holder="乙公司" if n == 2 else "甲公司",
            document_number=f"N{n}",
        )
    assert await found(store, "holder_mismatch") == {
        "O2": "certificate N2: holder '乙公司' is not the project's other certificates' '甲公司'"
    }


async def test_areas_that_drift_along_the_chain_are_flagged_beyond_the_tolerance(
    chain: Store,
) -> None:
    assert await found(chain, "area_chain_mismatch") == {
        "BUILD-2-O": "建筑工程施工许可证 深建施字[2014]0002号: parcel 'B105-9999' differs from "
        "'B105-0123' on 建设工程规划许可证 深规许字[2014]0002号; floor_area_m2 15000 differs from "
        "12000 on 建设工程规划许可证 深规许字[2014]0002号"
    }
    # 12050 is within 1% of 12000, not within 0.1%.
    assert set(await found(chain, "area_chain_mismatch", area_tolerance=0.001)) == {
        "BUILD-1-O",
        "BUILD-2-O",
    }


async def test_a_certificate_whose_signature_fails_is_flagged(chain: Store) -> None:
    a = tables.outcome_authenticity
    async with chain.write() as conn:
        await conn.execute(
            a.insert(),
            [
                {
                    "outcome_key": key,
                    "state": state,
                    "key_id": "zjj-1",
                    "reason": reason,
                    "fingerprint": "x",
                    "checked_at": datetime(2015, 1, 1),
                }
                for key, state, reason in (
                    ("BUILD-1-O", "VERIFIED", "ok"),
                    ("BUILD-2-O", "INVALID_SIGNATURE", "forged"),
                    ("PLAN-1-O", "UNSIGNED", "no signature"),  # GHJ has no keys: not flagged
                )
            ],
        )
    assert await found(chain, "certificate_not_authentic") == {
        "BUILD-2-O": "建筑工程施工许可证 深建施字[2014]0002号: INVALID_SIGNATURE: forged"
    }


APPLICANT = """
query ($code: String!) {
  applicant(creditCode: $code) {
    creditCode names
    projects { code }
    certificates { key holder }
    inconsistencies { rule key projectCode message }
  }
}"""


async def test_applicant_shows_its_projects_certificates_and_every_inconsistency(
    chain: Store,
) -> None:
    await DataChecks(ChangeLog(chain), config()).run(AS_OF, NOW)
    async with serve(chain) as client:
        found = (await client.data(APPLICANT, code=CREDIT.lower()))["applicant"]
    assert found["creditCode"] == CREDIT
    assert found["names"] == [OWNER]
    assert [p["code"] for p in found["projects"]] == [PROJECT, OTHER]
    assert sorted(c["key"] for c in found["certificates"]) == [
        "BUILD-1-O",
        "BUILD-2-O",
        "PLAN-1-O",
        "PLAN-2-O",
    ]
    flagged = {(i["rule"], i["key"]) for i in found["inconsistencies"]}
    assert {("holder_mismatch", "BUILD-2-O"), ("area_chain_mismatch", "BUILD-2-O")} <= flagged
    assert all(i["projectCode"] in (PROJECT, OTHER) for i in found["inconsistencies"])
