"""Subscription events sent straight to the subscriber once their result is made.

``schema.shared_events`` executes an event once per distinct subscription, yet strawberry still
walks every event of every subscriber through graphql-core's per-event executor, its own result
and extension hooks and the transport handler; with many subscribers that walk, not the
execution, was most of delivery. ``LiveOperationHandler`` (the graphql-transport-ws handler of
the hub's view) makes each operation known to its task through ``CURRENT_OPERATION``, and a
subscription resolver hands each event to the sender of ``LiveDelivery.sender``: when the
shared result of the event for that subscription is cached and carries neither errors nor
extensions, the sender sends the very ``next`` frame the walk would send (one
``SharedFrames`` serves both, so each result is serialized once); otherwise
the resolver yields the event to the walk, which executes it and caches the result for the
other subscribers. Order holds: the resolver yields an event only after the sends before it,
and the walk sends it before asking for the next one.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from hub.ws_frames import SharedFrames
from schema.shared_events import ResultCache, subscription_key

EventSender = Callable[[Hashable], Awaitable[bool]]

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

    def sender(self, info: Any) -> EventSender | None:
        """A sender for the subscription whose resolver got ``info`` (strawberry's), or None
        outside a graphql-transport-ws operation (then every event takes the walk)."""
        operation = CURRENT_OPERATION.get()
        if operation is None:
            return None
        raw = info._raw_info  # graphql-core's info: the operation as executed
        key = subscription_key(raw.operation, raw.fragments, raw.variable_values, raw.context)
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
