"""Shared by the authenticity tests: demo-like department keys, a hub config with a push
connector for filings and outcomes, and signed outcome records as a department pushes them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.registry import build_connector
from hub.authenticity import canonical_form
from hub.calendar import CHINA_OFFSET_HOURS
from hub.config import HubConfig, parse_config
from hub.runs import RowResult
from hub.signatures import algorithm
from hub.store import Store
from hub.sync import SyncEngine
from tests.asgi import TRUSTED

GHJ_KEY = "01" * 32  # SM2 private key of the planning bureau
ZJJ_KEY = "02" * 32  # Ed25519 private key of the construction bureau
ZJJ_OLD_KEY = "03" * 32
DOCUMENT = b"%PDF-1.7\n demo construction permit\n"
DOCUMENT_SHA256 = hashlib.sha256(DOCUMENT).hexdigest()


def keys_config(revoked: str | None = None) -> dict[str, Any]:
    old: dict[str, Any] = {
        "id": "zjj-2013",
        "algorithm": "ED25519",
        "public_key": algorithm("ED25519").public_key(ZJJ_OLD_KEY),
        "valid_until": "2013-12-31",
    }
    if revoked:
        old["revoked_at"] = revoked
    return {
        "GHJ": [
            {"id": "ghj-1", "algorithm": "SM2", "public_key": algorithm("SM2").public_key(GHJ_KEY)}
        ],
        "ZJJ": [
            {
                "id": "zjj-2014",
                "algorithm": "ED25519",
                "public_key": algorithm("ED25519").public_key(ZJJ_KEY),
                "valid_from": "2014-01-01",
            },
            old,
        ],
    }


def hub_config(**keys: Any) -> HubConfig:
    fields = [
        "key",
        "filing_key",
        "project_code",
        "decision",
        "document_type",
        "document_number",
        "issued_at",
        "valid_until",
        "holder",
        "holder_credit_code",
        "attributes",
        "document_sha256",
        "signature",
        "signing_key_id",
        "signature_algorithm",
    ]
    filing = ["key", "project_code", "matter_code", "department_code", "status"]
    # Callers read as the trusted role (tests.asgi.TRUSTED): these tests are of the answers.
    return parse_config(
        TRUSTED
        | {
            "keys": keys_config(**keys),
            "supervision": {"as_of": "2014-12-31"},  # the business day verifications judge
            "connectors": [
                {
                    "name": "dept",
                    "kind": "push",
                    "streams": [
                        {"entity": "filing", "fields": {f: f for f in filing}},
                        {"entity": "outcome", "fields": {f: {"column": f} for f in fields}},
                    ],
                }
            ],
        }
    )


def outcome(number: int, department: str = "ZJJ", **changes: Any) -> dict[str, Any]:
    """An approved permit record of ``department``, not yet signed."""
    row: dict[str, Any] = {
        "key": f"{department}-{number}",
        "filing_key": f"F-{department}-{number}",
        "project_code": "2014-440304-47-01-000001",
        "decision": "APPROVED",
        "document_type": "建筑工程施工许可证",
        "document_number": f"深{department}施字[2014]{number:04d}号",
        "issued_at": "2014-05-06T03:04:05Z",
        "valid_until": "2016-05-05",
        "holder": "深圳市福田区建筑工务署",
        "holder_credit_code": "11440300MB2C92052N",
        "attributes": {"parcel": "B105-0123", "floor_area_m2": 12000.5},
        "document_sha256": DOCUMENT_SHA256,
        "signing_key_id": "zjj-2014" if department == "ZJJ" else "ghj-1",
        "signature_algorithm": "ED25519" if department == "ZJJ" else "SM2",
    }
    return row | changes


def sign(row: Mapping[str, Any], private_key: str | None = None) -> dict[str, Any]:
    """``row`` signed the way a department system does: over the canonical form of the values
    the hub will store (the issue date a China day, from the record's UTC instant)."""
    stored = dict(row)
    instant = datetime.fromisoformat(row["issued_at"].rstrip("Z"))
    stored["issued_at"] = (instant + timedelta(hours=CHINA_OFFSET_HOURS)).date()
    name = row["signature_algorithm"]
    key = private_key or (ZJJ_KEY if name == "ED25519" else GHJ_KEY)
    signature = algorithm(name).sign(key, canonical_form(stored).encode())
    return dict(row) | {"signature": signature}


def filing(department: str, number: int) -> dict[str, Any]:
    return {
        "key": f"F-{department}-{number}",
        "project_code": "2014-440304-47-01-000001",
        "matter_code": "M-1",
        "department_code": department,
        "status": "APPROVED",
    }


async def push(
    store: Store, config: HubConfig, stream: str, rows: list[dict[str, Any]]
) -> list[RowResult]:
    connector = build_connector(config.connectors[0], config)
    try:
        report, results = await SyncEngine(store, config).ingest(connector, stream, rows)
    finally:
        await connector.close()
    assert report.state == "succeeded", report.error
    return results
