"""CertificateVerification: the answer of ``verifyCertificate`` (核验), hub.verification's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.audit import AuditLog
from hub.clock import utcnow
from hub.verification import (
    Presented,
    VerificationRequestError,
    VerificationResult,
    verify_certificate,
)
from schema.errors import ForbiddenError, UserInputError
from schema.types.authenticity import Authenticity

if TYPE_CHECKING:
    from schema.context import Context
    from schema.types.outcome import Outcome

strawberry.enum(
    VerificationResult,
    description="The answer about a presented certificate: AUTHENTIC, or what is wrong.",
)


@strawberry.type(description="Whether a presented certificate is genuine, and why not.")
class CertificateVerification:
    result: VerificationResult
    reasons: list[str]
    mismatched_fields: list[str] = strawberry.field(
        description="The presented fields that differ from the certificate's (MISMATCH)."
    )
    authenticity: Authenticity | None = strawberry.field(
        description="The signature checked just now against the current keys."
    )
    outcome_key: strawberry.Private[str | None]

    @strawberry.field(description="The certificate, when the presented fields match it.")
    async def outcome(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Outcome, strawberry.lazy("schema.types.outcome")] | None:
        if self.outcome_key is None:
            return None
        return await info.context.loaders.outcome.load(self.outcome_key)


async def resolve_verify_certificate(
    info: strawberry.Info[Context, None],
    document_number: str,
    holder_credit_code: str | None,
    holder_name: str | None,
    sha256: str | None,
) -> CertificateVerification:
    context = info.context
    if not context.viewer.rules.verify:
        raise ForbiddenError(context.viewer.role, "verify certificates")
    try:
        presented = Presented(document_number, holder_credit_code, holder_name, sha256)
    except VerificationRequestError as exc:
        raise UserInputError(str(exc)) from None
    now = utcnow()
    answer = await verify_certificate(
        context.store,
        context.keys,
        presented,
        viewer=context.viewer,
        audit=context.audit or AuditLog(context.store),
        today=context.clock.business_day(),
        now=now,
        via="graphql",
    )
    verdict = answer.authenticity
    return CertificateVerification(
        result=answer.result,
        reasons=answer.reasons,
        mismatched_fields=answer.mismatched_fields,
        authenticity=None if verdict is None else Authenticity.from_verdict(verdict, now),
        outcome_key=answer.outcome_key,
    )
