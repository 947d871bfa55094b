"""The verification service (核验): GraphQL verifyCertificate and POST /verify answer each
result with reasons, refuse requests that cannot identify a certificate, and audit every
verification; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub import tables
from hub.auth import create_token
from hub.config import HubConfig
from hub.http.app import create_app
from hub.store import Store
from tests.asgi import GraphQLClient, running
from tests.hub.authenticity_support import (
    DOCUMENT,
    DOCUMENT_SHA256,
    filing,
    hub_config,
    outcome,
    push,
    sign,
)

pytestmark = pytest.mark.anyio
HOLDER = "深圳市福田区建筑工务署"
CREDIT = "11440300MB2C92052N"
VERIFY = """
query ($n: String!, $c: String, $h: String, $s: String) {
  verifyCertificate(documentNumber: $n, holderCreditCode: $c, holderName: $h, sha256: $s) {
    result reasons mismatchedFields authenticity { state keyId }
    outcome { key documentType }
  }
}"""


@pytest.fixture
async def hub(store: Store) -> AsyncIterator[tuple[httpx.AsyncClient, HubConfig]]:
    config = hub_config(revoked="2014-03-01T00:00:00+08:00")
    await push(store, config, "filing", [filing("ZJJ", n) for n in range(1, 6)])
    await push(
        store,
        config,
        "outcome",
        [
            sign(outcome(1)),
            sign(outcome(2)) | {"holder": "冒名公司"},  # altered after signing
            sign(outcome(3, valid_until="2014-06-30")),  # expired
            sign(
                outcome(4, signing_key_id="zjj-2013", issued_at="2013-06-01T00:00:00Z"), "03" * 32
            ),
        ],
    )
    app = create_app(config, store=store)
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http, config


def number(n: int) -> str:
    return f"深ZJJ施字[2014]{n:04d}号"


async def test_graphql_answers_each_result(
    hub: tuple[httpx.AsyncClient, HubConfig], store: Store
) -> None:
    client = GraphQLClient(hub[0])

    async def ask(**variables: Any) -> dict[str, Any]:
        return (await client.data(VERIFY, **variables))["verifyCertificate"]

    real = await ask(n=number(1), c=CREDIT, h=HOLDER, s=DOCUMENT_SHA256)
    assert real["result"] == "AUTHENTIC", real
    assert real["authenticity"] == {"state": "VERIFIED", "keyId": "zjj-2014"}
    assert real["outcome"] == {"key": "ZJJ-1", "documentType": "建筑工程施工许可证"}
    assert (await ask(n="深ZJJ施字[2014]9999号", c=CREDIT))["result"] == "NOT_FOUND"
    wrong = await ask(n=number(1), c="91440300MA5DC0XX0X", h=HOLDER, s="0" * 64)
    assert (wrong["result"], wrong["mismatchedFields"]) == (
        "MISMATCH",
        ["holderCreditCode", "sha256"],
    )
    assert wrong["outcome"] is None
    altered = await ask(n=number(2), h="冒名公司")
    assert altered["result"] == "INVALID_SIGNATURE"
    assert "authenticity INVALID_SIGNATURE" in altered["reasons"]
    expired = await ask(n=number(3), c=CREDIT)
    assert expired["result"] == "EXPIRED" and "valid until 2014-06-30" in expired["reasons"]
    revoked = await ask(n=number(4), c=CREDIT)
    assert revoked["result"] == "REVOKED", revoked
    errors = await client.errors(VERIFY, n=number(1))
    assert "a number alone does not identify" in errors[0]["message"]
    errors = await client.errors(VERIFY, n=number(1), s="abc")
    assert "sha256 'abc' is not 64 hex digits" in errors[0]["message"]
    async with store.read() as conn:
        audited = (
            await conn.execute(select(tables.audit_entries).order_by(tables.audit_entries.c.id))
        ).all()
    assert [(a.action, a.detail["result"]) for a in audited] == [
        ("verify_certificate", r)
        for r in ("AUTHENTIC", "NOT_FOUND", "MISMATCH", "INVALID_SIGNATURE", "EXPIRED", "REVOKED")
    ]
    assert audited[0].actor.startswith("anonymous") and audited[0].detail[
        "document_number"
    ] == number(1)


async def test_the_http_endpoint_hashes_the_document_file(
    hub: tuple[httpx.AsyncClient, HubConfig], store: Store
) -> None:
    http = hub[0]
    token = await create_token(store, "portal", scopes=["read"], department="GHJ")
    headers = {"authorization": f"Bearer {token}", "content-type": "application/pdf"}
    params = {"documentNumber": number(1), "holderName": HOLDER, "filename": "permit.pdf"}
    answer = await http.post("/verify", params=params, content=DOCUMENT, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == "AUTHENTIC"
    assert answer.json()["sha256"] == DOCUMENT_SHA256
    other = await http.post("/verify", params=params, content=DOCUMENT + b"x", headers=headers)
    assert (other.json()["result"], other.json()["mismatchedFields"]) == ("MISMATCH", ["sha256"])
    fake = await http.post("/verify", params=params, content=b"GIF89a...", headers=headers)
    assert fake.status_code == 400
    (error,) = fake.json()["errors"]
    assert "named 'permit.pdf' but is not a PDF" in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    empty = await http.post("/verify", params=params, content=b"", headers=headers)
    assert empty.status_code == 400 and "empty" in empty.json()["errors"][0]["message"]
    nameless = await http.post("/verify", content=DOCUMENT, headers=headers)
    (error,) = nameless.json()["errors"]
    assert nameless.status_code == 400 and "documentNumber is empty" in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    async with store.read() as conn:
        audited = (
            await conn.execute(select(tables.audit_entries.c.actor, tables.audit_entries.c.detail))
        ).all()
    assert [(a.actor, a.detail["via"], a.detail["result"]) for a in audited] == [
        ("portal", "http", "AUTHENTIC"),
        ("portal", "http", "MISMATCH"),
    ]
