"""Authenticity: whether an outcome's issuer signature holds, as sync last checked it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from hub.authenticity import AuthenticityState, Verdict
from schema.types.enums import member
from schema.types.scalars import utc


@strawberry.type(
    description="An outcome's authenticity (电子证照防伪): checked by the sync that stored the "
    "outcome's current values, against the issuing department's keys."
)
class Authenticity:
    state: AuthenticityState
    key_id: str | None = strawberry.field(description="The signing key the outcome names.")
    algorithm: str | None = strawberry.field(description="SM2 (with SM3) or ED25519.")
    reason: str | None = strawberry.field(description="Why the state is what it is.")
    checked_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Authenticity:
        return cls(
            state=member(AuthenticityState, row.state),
            key_id=row.key_id,
            algorithm=row.algorithm,
            reason=row.reason,
            checked_at=utc(row.checked_at),
        )

    @classmethod
    def from_verdict(cls, verdict: Verdict, checked_at: datetime) -> Authenticity:
        return cls(
            state=verdict.state,
            key_id=verdict.key_id,
            algorithm=verdict.algorithm,
            reason=verdict.reason,
            checked_at=utc(checked_at),
        )
