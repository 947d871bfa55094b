"""Subscription events sent straight to the subscriber once their result is made.

``schema.engine.shared_events`` executes an event once per distinct subscription, yet
strawberry still walks every event of every subscriber through graphql-core's per-event
executor, its own result and extension hooks and the transport handler; with many subscribers
that walk, not the execution, was most of delivery. ``LiveOperationHandler`` (the
graphql-transport-ws handler of an accelerated view) makes each operation known to its task
through ``CURRENT_OPERATION``, and ``LiveDelivery.direct`` wraps the ``subscribe`` of each
subscription field: for each event the resolver yields, when the shared result of that event
for the subscription is cached and carries neither errors nor extensions, the very ``next``
frame the walk would send is sent (one ``SharedFrames`` serves both, so each result is
serialized once); otherwise the event goes on to the walk, which executes it and caches the
result for the other subscribers. Resolvers know nothing of this: they yield events, and
events without an ``event_key`` always take the walk. Order holds: an event goes to the walk
only after the sends before it, and the walk sends it before asking for the next one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from graphql.execution.async_iterables import aclosing
from graphql.pyutils import is_async_iterable, is_awaitable
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from schema.engine.shared_events import ResultCache, subscription_key
from schema.engine.ws_frames import SharedFrames

EventSender = Callable[[Hashable], Awaitable[bool]]
Subscribe = Callable[..., Any]  # a field's ``subscribe``: (source, info, **arguments)

CURRENT_OPERATION: ContextVar[Operation[Any, Any] | None] = ContextVar(
    "hub_current_operation", default=None
)


class LiveOperationHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """strawberry's graphql-transport-ws handler, with each operation's task knowing its
    operation (``CURRENT_OPERATION``)."""

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        token = CURRENT_OPERATION.set(operation)
        try:
            await super().run_operation(operation)
        finally:
            CURRENT_OPERATION.reset(token)


class LiveDelivery:
    """Direct sends of cached event results, for the subscriptions of one schema; frames are
    made by ``frames``, which the view's own ``next`` messages share."""

    def __init__(self, results: ResultCache, frames: SharedFrames) -> None:
        self.results = results
        self.frames = frames
        self.sent = 0  # events sent directly rather than walked through strawberry

    def install(self, schema: GraphQLSchema) -> None:
        """Send the events of every subscription field of ``schema`` directly when they can
        be (see the module)."""
        if schema.subscription_type is None:
            return
        for field_def in schema.subscription_type.fields.values():
            if field_def.subscribe is not None:
                field_def.subscribe = self.direct(field_def)

    def direct(self, field_def: GraphQLField) -> Subscribe:
        """``field_def``'s subscribe, its events sent directly when they can be."""
        subscribe: Subscribe = field_def.subscribe  # type: ignore[assignment]

        def subscribe_directly(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
            events = subscribe(source, info, **arguments)
            send = self.sender(info)
            if send is None:
                return events
            if is_awaitable(events):
                return _when_done(events, send)
            return _walked(events, send) if is_async_iterable(events) else events

        return subscribe_directly

    def sender(self, info: GraphQLResolveInfo[Any]) -> EventSender | None:
        """A sender for the subscription whose field has ``info`` (graphql-core's), or None
        outside a graphql-transport-ws operation (then every event takes the walk)."""
        operation = CURRENT_OPERATION.get()
        if operation is None:
            return None
        key = subscription_key(info.operation, info.fragments, info.variable_values, info.context)
        operation_id = json.dumps(operation.id)
        websocket: WebSocket = info.context.request

        async def send(event_key: Hashable) -> bool:
            result = self.results.get((key, event_key))
            if result is None or result.errors or result.extensions or operation.completed:
                return False
            frame = self.frames.next_frame(operation_id, result.data)
            try:
                await websocket.send_text(frame)
            except WebSocketDisconnect:
                return False  # the walk meets the same end and handles it as usual
            self.sent += 1
            return True

        return send


async def _when_done(pending: Awaitable[Any], send: EventSender) -> Any:
    events = await pending
    return _walked(events, send) if is_async_iterable(events) else events


async def _walked(events: AsyncIterable[Any], send: EventSender) -> AsyncIterator[Any]:
    """The events of ``events`` that were not sent directly, for the walk."""
    async with aclosing(events):
        async for event in events:
            event_key = getattr(event, "event_key", None)
            if event_key is None or not await send(event_key):
                yield event
