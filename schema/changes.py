"""Root fields of the change feed: the ``changes`` query and subscription, and webhooks.

The app's lifespan puts the feed reader and the webhook registry on ``app.state``; resolvers
reach them through the request (HTTP or websocket) in the context.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError

from hub.feed import FeedScope, read_page
from hub.feed_reader import FeedReader
from hub.secret_key import SecretKeyError
from hub.webhooks import WebhookError, WebhookNotFoundError, Webhooks
from schema.errors import ForbiddenError, UserInputError
from schema.types.change import Change, ChangeFilter, ChangePage, build_filter
from schema.types.scalars import BigInt
from schema.types.webhook import Webhook, WebhookRegistration

if TYPE_CHECKING:
    from schema.context import Context

T = TypeVar("T")


def _state(info: strawberry.Info[Context, None]) -> Any:
    return info.context.request.app.state


def _scope(info: strawberry.Info[Context, None], given: ChangeFilter | None) -> FeedScope:
    # The one place a request's viewer meets the feed (hub.policy).
    return FeedScope(build_filter(given), info.context.viewer)


def _seq(name: str, value: int | None) -> int | None:
    if value is not None and value < 0:
        raise UserInputError(f"{name} must be a seq (0 or more), not {value}", code="INVALID_SEQ")
    return value


async def _webhook_call(call: Awaitable[T]) -> T:
    try:
        return await call
    except WebhookError as exc:
        raise UserInputError(str(exc), code="INVALID_WEBHOOK") from None
    except WebhookNotFoundError as exc:
        raise UserInputError(str(exc), code="NOT_FOUND") from None
    except SecretKeyError as exc:  # the server's set-up, not the caller's request
        raise GraphQLError(str(exc), extensions={"code": "SECRET_KEY_UNAVAILABLE"}) from None


def _webhooks(info: strawberry.Info[Context, None]) -> Webhooks:
    webhooks: Webhooks = _state(info).webhooks
    return webhooks


async def _managed(info: strawberry.Info[Context, None], name: str) -> Webhooks:
    """The registry, once the viewer is shown to manage webhook ``name``: its owner
    department's role, or an operator."""
    webhooks = _webhooks(info)
    hook = await _webhook_call(webhooks.get(name))
    viewer = info.context.viewer
    if not viewer.may_manage_webhook(hook.department):
        raise ForbiddenError(viewer.role, f"manage the webhook {name!r} of another department")
    return webhooks


def _owner(info: strawberry.Info[Context, None], department: str | None) -> tuple[str | None, str]:
    """The department and owner role of a webhook the viewer registers."""
    viewer = info.context.viewer
    if viewer.rules.operations:  # for a department, or its own (the operator's view)
        return department, "department" if department is not None else viewer.role
    if not viewer.rules.webhooks or viewer.department is None:
        raise ForbiddenError(viewer.role, "register webhooks")
    if department not in (None, viewer.department):
        raise ForbiddenError(viewer.role, f"register a webhook for the department {department!r}")
    return viewer.department, viewer.role


@strawberry.type
class ChangesQuery:
    @strawberry.field(
        description="Changes after seq `after` (0: from the start) in seq order, for polling."
    )
    async def changes(
        self,
        info: strawberry.Info[Context, None],
        filter: ChangeFilter | None = None,
        after: BigInt = 0,  # type: ignore[assignment]
        first: int | None = None,
    ) -> ChangePage:
        scope = _scope(info, filter)
        page = await read_page(
            info.context.store, scope, _seq("after", after) or 0, info.context.page_size(first)
        )
        return ChangePage(
            nodes=[Change.from_change(c) for c in page.changes],
            end_seq=BigInt(page.end),
            has_more=page.has_more,
        )

    @strawberry.field(
        description="Registered webhooks by name, with their delivery state: a department's "
        "own, every one for an operator."
    )
    async def webhooks(self, info: strawberry.Info[Context, None]) -> list[Webhook]:
        viewer = info.context.viewer
        if not (viewer.rules.operations or viewer.rules.webhooks):
            raise ForbiddenError(viewer.role, "list webhooks")
        hooks = await _webhooks(info).list()
        return [Webhook.from_webhook(w) for w in hooks if viewer.may_manage_webhook(w.department)]


@strawberry.type
class ChangesSubscription:
    @strawberry.subscription(
        description="Changes in seq order, each once: those after seq `after` first (omit it "
        "for live changes only), then each as it is synced. Reconnect with the last seq seen."
    )
    async def changes(
        self,
        info: strawberry.Info[Context, None],
        filter: ChangeFilter | None = None,
        after: BigInt | None = None,
    ) -> AsyncGenerator[Change, None]:
        scope = _scope(info, filter)
        reader: FeedReader = _state(info).feed
        fields = scope.filter.fields
        async for change in reader.subscribe(scope, _seq("after", after)):
            yield Change.from_change(change, fields)


@strawberry.type
class ChangesMutation:
    @strawberry.mutation(
        description="Register a webhook: matching changes after seq `after` (default: from "
        "now on) are POSTed to `url`, signed per Standard Webhooks."
    )
    async def register_webhook(
        self,
        info: strawberry.Info[Context, None],
        name: str,
        url: str,
        filter: ChangeFilter | None = None,
        department: str | None = None,
        after: BigInt | None = None,
    ) -> WebhookRegistration:
        owner, role = _owner(info, department)
        hook = await _webhook_call(
            _webhooks(info).register(
                name, url, build_filter(filter), department=owner, after=after, owner_role=role
            )
        )
        return WebhookRegistration(webhook=Webhook.from_webhook(hook), secret=hook.secret)

    @strawberry.mutation(description="Deliver every matching change from seq `fromSeq` again.")
    async def redeliver_webhook(
        self, info: strawberry.Info[Context, None], name: str, from_seq: BigInt
    ) -> Webhook:
        return Webhook.from_webhook(
            await _webhook_call((await _managed(info, name)).redeliver(name, from_seq))
        )

    @strawberry.mutation(description="Stop delivering until resumeWebhook; progress is kept.")
    async def pause_webhook(self, info: strawberry.Info[Context, None], name: str) -> Webhook:
        return Webhook.from_webhook(await _webhook_call((await _managed(info, name)).pause(name)))

    @strawberry.mutation(description="Deliver again now, retries reset.")
    async def resume_webhook(self, info: strawberry.Info[Context, None], name: str) -> Webhook:
        return Webhook.from_webhook(await _webhook_call((await _managed(info, name)).resume(name)))

    @strawberry.mutation(description="Remove a webhook (an error when there is none).")
    async def delete_webhook(self, info: strawberry.Info[Context, None], name: str) -> bool:
        await _webhook_call((await _managed(info, name)).delete(name))
        return True
