"""Webhooks as the API shows them: target, filter and delivery state (never the secret)."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from hub import webhooks
from schema.types.change import ChangeFilterSpec
from schema.types.scalars import BigInt, utc


@strawberry.enum(
    description="ACTIVE delivers; FAILING has failed its attempts and is retried at "
    "the longest backoff; PAUSED waits for resumeWebhook."
)
class WebhookState(enum.Enum):
    ACTIVE = webhooks.ACTIVE
    FAILING = webhooks.FAILING
    PAUSED = webhooks.PAUSED


@strawberry.type(
    description="A department's webhook: signed POSTs of matching changes in seq order."
)
class Webhook:
    name: str
    url: str
    department: str | None
    filter: ChangeFilterSpec
    state: WebhookState
    delivered_up_to: BigInt = strawberry.field(
        description="Every matching change up to this seq has been accepted by the receiver."
    )
    attempts: int = strawberry.field(description="Failed attempts since the last success.")
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next retry is due (or, during a delivery, when its lease ends)."
    )
    created_at: datetime

    @classmethod
    def from_webhook(cls, hook: webhooks.Webhook) -> Webhook:
        return cls(
            name=hook.name,
            url=hook.url,
            department=hook.department,
            filter=ChangeFilterSpec.from_filter(hook.filter),
            state=WebhookState(hook.state),
            delivered_up_to=BigInt(hook.delivered_seq),
            attempts=hook.attempts,
            last_error=hook.last_error,
            last_attempt_at=utc(hook.last_attempt_at),
            next_attempt_at=utc(hook.next_attempt_at),
            created_at=utc(hook.created_at),
        )


@strawberry.type(description="A new webhook and its signing secret, shown only this once.")
class WebhookRegistration:
    webhook: Webhook
    secret: str = strawberry.field(
        description="Standard Webhooks secret (whsec_...): verify each request's signature."
    )
