"""Webhooks: registration (``registry``) and signed, ordered delivery (``delivery``)."""

from hub.webhooks.delivery import DeliverySettings, WebhookWorker
from hub.webhooks.registry import (
    ACTIVE,
    FAILING,
    PAUSED,
    Webhook,
    WebhookError,
    WebhookNotFoundError,
    Webhooks,
    owner_scope,
    owner_viewer,
)

__all__ = [
    "ACTIVE",
    "FAILING",
    "PAUSED",
    "DeliverySettings",
    "Webhook",
    "WebhookError",
    "WebhookNotFoundError",
    "WebhookWorker",
    "Webhooks",
    "owner_scope",
    "owner_viewer",
]
