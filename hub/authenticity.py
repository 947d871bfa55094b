"""Signed outcomes (电子证照防伪): the canonical form an issuer signs, the department key ring,
and the check that sync runs on every outcome it inserts or updates.

The canonical form (docs/authenticity.md writes it out for department systems) is UTF-8 text:
the line ``XTHUB-OUTCOME-1``, then one ``name=value`` line per signed field in ``SIGNED_FIELDS``
order, each ending with LF. A null is an empty value; text escapes ``\\`` as ``\\\\``, LF as
``\\n`` and CR as ``\\r``; an instant is UTC ``YYYY-MM-DDTHH:MM:SSZ``, a date ``YYYY-MM-DD``; a
number is plain decimal without exponent or trailing zeros (``12000``, ``0.5``, ``-3.25``).

The result is stored per outcome (``outcome_authenticity``) with a fingerprint of what was
checked, so a re-read that changes nothing signed costs no verification, and a signed field that
changes at the source without a new signature is caught by the sync that brings the change.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import tables
from hub.batch import LOOKUP_CHUNK
from hub.config import HubConfig, KeyConfig
from hub.errors import UnknownNameError
from hub.mapping import json_safe
from hub.signatures import SignatureFormatError, algorithm
from hub.store import Store

FORM_HEADER = "XTHUB-OUTCOME-1"
# The signed fields, in canonical order: outcome columns, then attributes (the ``attributes.``
# ones) that tie a certificate to its land and building.
SIGNED_FIELDS = (
    "document_type",
    "document_number",
    "holder",
    "holder_credit_code",
    "project_code",
    "issued_at",
    "valid_until",
    "attributes.parcel",
    "attributes.land_area_m2",
    "attributes.floor_area_m2",
    "document_sha256",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class AuthenticityState(enum.Enum):
    VERIFIED = "VERIFIED"  # the issuer's key signed exactly these fields
    UNSIGNED = "UNSIGNED"  # no signature
    INVALID_SIGNATURE = "INVALID_SIGNATURE"  # forged, altered after signing, or malformed
    UNKNOWN_KEY = "UNKNOWN_KEY"  # no such key of the issuing department on the issue date
    KEY_REVOKED = "KEY_REVOKED"  # signed with a key since revoked
    DOCUMENT_MISMATCH = "DOCUMENT_MISMATCH"  # the document hash is not the one signed


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime | date):
        return str(json_safe(value))
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def signed_values(row: Mapping[str, Any]) -> dict[str, str]:
    """Each signed field's canonical text, from an outcome row (columns by name)."""
    attributes = row.get("attributes")
    attributes = attributes if isinstance(attributes, Mapping) else {}
    values: dict[str, str] = {}
    for name in SIGNED_FIELDS:
        _, dot, attribute = name.partition(".")
        values[name] = _text(attributes.get(attribute) if dot else row.get(name))
    return values


def canonical_form(row: Mapping[str, Any]) -> str:
    """The text an issuer signs for the outcome ``row`` (see the module docstring)."""
    lines = [FORM_HEADER, *(f"{n}={v}" for n, v in signed_values(row).items())]
    return "\n".join(lines) + "\n"


def _parse_form(form: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in form.splitlines()[1:] if "=" in line)


@dataclass(frozen=True, slots=True)
class DepartmentKey:
    department: str
    config: KeyConfig

    @property
    def revoked_at(self) -> datetime | None:
        revoked = self.config.revoked_at
        if revoked is not None and revoked.tzinfo is not None:
            return revoked.astimezone(UTC).replace(tzinfo=None)
        return revoked

    def fingerprint(self) -> str:
        c = self.config
        parts = (
            self.department,
            c.algorithm,
            c.public_key,
            c.valid_from,
            c.valid_until,
            c.revoked_at,
        )
        return "|".join(str(part) for part in parts)


class KeyRing:
    """The departments' signing keys by id (``[[keys.<DEPT>]]`` in hub.toml)."""

    def __init__(self, keys: Mapping[str, Sequence[KeyConfig]]) -> None:
        self.by_id = {k.id: DepartmentKey(dept, k) for dept, ks in keys.items() for k in ks}

    @classmethod
    def from_config(cls, config: HubConfig) -> KeyRing:
        return cls(config.keys)

    def get(self, key_id: str) -> DepartmentKey | None:
        return self.by_id.get(key_id)


@dataclass(frozen=True, slots=True)
class Verdict:
    state: AuthenticityState
    key_id: str | None
    algorithm: str | None
    reason: str


def _in_period(key: KeyConfig, issued: Any) -> bool:
    day = issued.date() if isinstance(issued, datetime) else issued
    if not isinstance(day, date):
        return True
    return (key.valid_from is None or key.valid_from <= day) and (
        key.valid_until is None or day <= key.valid_until
    )


def verify_outcome(
    row: Mapping[str, Any],
    department: str | None,
    keys: KeyRing,
    now: datetime,
    verified_form: str | None = None,
) -> Verdict:
    """The authenticity of the outcome ``row`` issued by ``department`` (None: not known, then
    the key's department is not compared). ``verified_form`` is the canonical form last found
    VERIFIED: a failing signature over a form that differs from it names the changed fields."""
    signature, key_id = row.get("signature"), row.get("signing_key_id")
    named = (row.get("signature_algorithm") or "").strip() or None
    if not signature:
        reason = "no signature" + (f" (signing_key_id is {key_id!r})" if key_id else "")
        return Verdict(AuthenticityState.UNSIGNED, key_id or None, named, reason)
    if not key_id:
        return Verdict(
            AuthenticityState.UNKNOWN_KEY, None, named, "signed, but signing_key_id is empty"
        )
    key = keys.get(key_id)
    if key is None:
        reason = (
            f"no department has a key {key_id!r} (known: {', '.join(sorted(keys.by_id)) or 'none'})"
        )
        return Verdict(AuthenticityState.UNKNOWN_KEY, key_id, named, reason)
    config = key.config
    chosen = named or config.algorithm
    if department is not None and key.department != department:
        reason = (
            f"key {key_id!r} belongs to {key.department}, the outcome is issued by {department}"
        )
        return Verdict(AuthenticityState.UNKNOWN_KEY, key_id, chosen, reason)
    if not _in_period(config, row.get("issued_at")):
        issued = _text(row.get("issued_at"))
        reason = (
            f"key {key_id!r} signs from {config.valid_from or 'any day'} to "
            f"{config.valid_until or 'any day'}, not on the issue date {issued}"
        )
        return Verdict(AuthenticityState.UNKNOWN_KEY, key_id, chosen, reason)
    revoked = key.revoked_at
    if revoked is not None and revoked <= now:
        reason = f"key {key_id!r} was revoked at {_text(revoked)}"
        return Verdict(AuthenticityState.KEY_REVOKED, key_id, chosen, reason)
    if chosen.upper() != config.algorithm.upper():
        reason = f"signature_algorithm is {chosen!r}, key {key_id!r} is {config.algorithm}"
        return Verdict(AuthenticityState.INVALID_SIGNATURE, key_id, chosen, reason)
    form = canonical_form(row)
    try:
        good = algorithm(chosen).verify(config.public_key, form.encode(), signature)
    except (SignatureFormatError, UnknownNameError) as exc:
        return Verdict(AuthenticityState.INVALID_SIGNATURE, key_id, chosen, f"malformed: {exc}")
    if not good:
        state, reason = _why_invalid(form, verified_form)
        return Verdict(state, key_id, chosen, reason)
    digest = signed_values(row)["document_sha256"]
    if digest and not _SHA256.match(digest):
        reason = f"document_sha256 {digest[:80]!r} is not 64 lowercase hex digits"
        return Verdict(AuthenticityState.DOCUMENT_MISMATCH, key_id, chosen, reason)
    return Verdict(
        AuthenticityState.VERIFIED, key_id, chosen, f"signed by {key.department} key {key_id!r}"
    )


def _why_invalid(form: str, verified_form: str | None) -> tuple[AuthenticityState, str]:
    """A failed signature: over the fields last verified, it names what changed since."""
    if verified_form is None or verified_form == form:
        reason = "the signature does not match the signed fields (forged, or altered after signing)"
        return AuthenticityState.INVALID_SIGNATURE, reason
    before, now = _parse_form(verified_form), _parse_form(form)
    changed = [name for name in SIGNED_FIELDS if before.get(name) != now.get(name)]
    if changed == ["document_sha256"]:
        reason = "the document hash changed since the signature was verified (another file)"
        return AuthenticityState.DOCUMENT_MISMATCH, reason
    listed = ", ".join(f"{n} ({before.get(n)!r} -> {now.get(n)!r})" for n in changed)
    reason = f"signed field(s) changed since verified, without a new signature: {listed}"
    return AuthenticityState.INVALID_SIGNATURE, reason


def _fingerprint(row: Mapping[str, Any], department: str | None, keys: KeyRing) -> str:
    key = keys.get(row.get("signing_key_id") or "")
    parts = (
        canonical_form(row),
        row.get("signature") or "",
        row.get("signing_key_id") or "",
        row.get("signature_algorithm") or "",
        department or "",
        key.fingerprint() if key else "",
    )
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


class Authenticity:
    """Checks outcomes against ``keys`` and stores their verdicts."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    async def check(
        self, conn: AsyncConnection, outcome_keys: Iterable[str], now: datetime
    ) -> dict[str, Verdict]:
        """Check the stored outcomes ``outcome_keys`` inside ``conn``'s transaction; only those
        whose signed content, signature or key changed since their last check are verified
        again. Returns the new verdicts by outcome key."""
        outcomes, filings, stored = tables.outcomes, tables.filings, tables.outcome_authenticity
        wanted = sorted(set(outcome_keys))
        verdicts: dict[str, Verdict] = {}
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            query = (
                select(outcomes, filings.c.department_code.label("issuing_department"))
                .select_from(outcomes.outerjoin(filings, filings.c.key == outcomes.c.filing_key))
                .where(outcomes.c.key.in_(chunk))
            )
            rows = [dict(r._mapping) for r in await conn.execute(query)]
            known = {
                r.outcome_key: r
                for r in await conn.execute(
                    select(
                        stored.c.outcome_key, stored.c.fingerprint, stored.c.verified_form
                    ).where(stored.c.outcome_key.in_(chunk))
                )
            }
            checked: list[dict[str, Any]] = []
            for row in rows:
                department = row.pop("issuing_department")
                fingerprint = _fingerprint(row, department, self.keys)
                previous = known.get(row["key"])
                if previous is not None and previous.fingerprint == fingerprint:
                    continue
                verified_form = previous.verified_form if previous is not None else None
                verdict = verify_outcome(row, department, self.keys, now, verified_form)
                verdicts[row["key"]] = verdict
                if verdict.state is AuthenticityState.VERIFIED:
                    verified_form = canonical_form(row)
                checked.append(
                    {
                        "outcome_key": row["key"],
                        "state": verdict.state.value,
                        "key_id": verdict.key_id,
                        "algorithm": verdict.algorithm,
                        "reason": verdict.reason,
                        "fingerprint": fingerprint,
                        "verified_form": verified_form,
                        "checked_at": now,
                    }
                )
            if checked:  # replaced in two statements: an upsert is one statement per row
                replaced = [c["outcome_key"] for c in checked if c["outcome_key"] in known]
                if replaced:
                    await conn.execute(delete(stored).where(stored.c.outcome_key.in_(replaced)))
                await conn.execute(stored.insert(), checked)
        return verdicts

    async def check_all(self, store: Store, now: datetime) -> dict[str, Verdict]:
        """Check every outcome again (after the key ring changed: a key revoked or added)."""
        async with store.read() as conn:
            keys = list((await conn.execute(select(tables.outcomes.c.key))).scalars())
        verdicts: dict[str, Verdict] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            async with store.write() as conn:
                chunk = keys[start : start + LOOKUP_CHUNK]
                verdicts |= await self.check(conn, chunk, now)
        return verdicts
