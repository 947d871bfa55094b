"""The verification service (核验) for departments that used to demand paper originals: given a
certificate's number and what the applicant presents (holder, credit code, the document file's
sha256), is it a certificate the hub holds, unaltered, signed by its issuer, still valid?

GraphQL's ``verifyCertificate`` and ``POST /verify`` (hub.http.verify) both answer through
``verify_certificate``; each answer is audited (who asked about which number, and the answer).
The signature is verified again against the current key ring, so a key revoked since the last
sync already counts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from hub import tables
from hub.audit import AuditLog, read_entry
from hub.authenticity import AuthenticityState, KeyRing, Verdict, verify_outcome
from hub.errors import HubError
from hub.policy import Viewer
from hub.store import Store

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class VerificationResult(enum.Enum):
    AUTHENTIC = "AUTHENTIC"
    NOT_FOUND = "NOT_FOUND"  # no certificate with this number
    MISMATCH = "MISMATCH"  # found, but a presented field differs (``mismatched_fields``)
    INVALID_SIGNATURE = "INVALID_SIGNATURE"  # forged, altered, unsigned or of an unknown key
    EXPIRED = "EXPIRED"  # authentic, but past its valid_until
    REVOKED = "REVOKED"  # signed with a key since revoked


class VerificationRequestError(HubError, ValueError):
    """Raised when a verification request cannot identify a certificate: no number, nothing
    presented to compare with it, or a sha256 that is not 64 hex digits."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"{problem} (hint: give documentNumber with holderCreditCode, holderName or the "
            "document's sha256)"
        )


@dataclass(frozen=True, slots=True)
class Presented:
    """What the applicant presents: the number and at least one field to compare."""

    document_number: str
    holder_credit_code: str | None = None
    holder_name: str | None = None
    sha256: str | None = None

    def __post_init__(self) -> None:
        if not self.document_number.strip():
            raise VerificationRequestError("documentNumber is empty")
        if not any((self.holder_credit_code, self.holder_name, self.sha256)):
            raise VerificationRequestError(
                "a number alone does not identify a certificate's holder"
            )
        if self.sha256 is not None and not _SHA256.match(self.sha256.strip()):
            raise VerificationRequestError(f"sha256 {self.sha256[:80]!r} is not 64 hex digits")


@dataclass(slots=True)
class Verification:
    result: VerificationResult
    reasons: list[str]
    mismatched_fields: list[str] = field(default_factory=list)
    outcome_key: str | None = None  # set when the presented fields match a certificate
    authenticity: Verdict | None = None


# presented attribute -> outcome column, and how both sides are normalised for comparing
_COMPARED = (
    ("holder_credit_code", "holderCreditCode", "holder_credit_code", str.upper),
    ("holder_name", "holderName", "holder", str.strip),
    ("sha256", "sha256", "document_sha256", str.lower),
)


def _mismatches(presented: Presented, row: Any) -> list[str]:
    wrong = []
    for attribute, label, column, normal in _COMPARED:
        given = getattr(presented, attribute)
        stored = getattr(row, column)
        if given is not None and (stored is None or normal(given.strip()) != normal(stored)):
            wrong.append(label)
    return wrong


async def verify_certificate(
    store: Store,
    keys: KeyRing,
    presented: Presented,
    *,
    viewer: Viewer,
    audit: AuditLog,
    today: date,
    now: datetime,
    via: str,
) -> Verification:
    """Verify ``presented`` against the stored certificates with its number; audited as
    ``viewer`` (``hub.audit``), and written before the answer is: the entry is the evidence
    that the department checked."""
    answer = await _verify(store, keys, presented, today, now)
    entry = read_entry(
        viewer,
        "verify_certificate",
        operation=via,
        fields=["outcome.document_number"],
        records=int(answer.outcome_key is not None),
        via=via,
        document_number=presented.document_number,
        result=answer.result.value,
        outcome=answer.outcome_key,
    )
    audit.record(entry)
    await audit.flush()
    return answer


async def _verify(
    store: Store, keys: KeyRing, presented: Presented, today: date, now: datetime
) -> Verification:
    outcomes, filings = tables.outcomes, tables.filings
    stored = tables.outcome_authenticity
    number = presented.document_number.strip()
    async with store.read() as conn:
        rows: Sequence[Any] = (
            await conn.execute(
                select(
                    outcomes,
                    filings.c.department_code.label("issuing_department"),
                    stored.c.verified_form,
                )
                .select_from(
                    outcomes.outerjoin(filings, filings.c.key == outcomes.c.filing_key).outerjoin(
                        stored, stored.c.outcome_key == outcomes.c.key
                    )
                )
                .where(outcomes.c.document_number == number, outcomes.c.deleted_at.is_(None))
                .order_by(outcomes.c.issued_at.desc(), outcomes.c.key)
            )
        ).all()
    if not rows:
        return Verification(VerificationResult.NOT_FOUND, [f"no certificate numbered {number!r}"])
    row = min(rows, key=lambda r: len(_mismatches(presented, r)))
    reasons = []
    if len(rows) > 1:
        reasons.append(f"the number {number!r} is used by {len(rows)} certificates")
    wrong = _mismatches(presented, row)
    if wrong:
        reasons += [f"{label} differs from the certificate's" for label in wrong]
        return Verification(VerificationResult.MISMATCH, reasons, wrong)
    values = dict(row._mapping)
    department, verified_form = values.pop("issuing_department"), values.pop("verified_form")
    verdict = verify_outcome(values, department, keys, now, verified_form)
    reasons.append(verdict.reason)
    found = Verification(
        VerificationResult.AUTHENTIC, reasons, outcome_key=row.key, authenticity=verdict
    )
    if verdict.state is AuthenticityState.KEY_REVOKED:
        found.result = VerificationResult.REVOKED
    elif verdict.state is not AuthenticityState.VERIFIED:
        found.result = VerificationResult.INVALID_SIGNATURE
        reasons.insert(len(reasons) - 1, f"authenticity {verdict.state.value}")
    elif row.valid_until is not None and row.valid_until < today:
        found.result = VerificationResult.EXPIRED
        reasons.append(f"valid until {row.valid_until.isoformat()}")
    return found
