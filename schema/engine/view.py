"""strawberry's ASGI view, serving an accelerated schema's subscriptions its own way.

With an ``Accelerated`` schema the view's graphql-transport-ws handler lets subscriptions send
cached events directly (``live_delivery.LiveOperationHandler``) and its ``next`` frames share
the schema's ``SharedFrames``; with a plain schema the view is strawberry's as it is.
"""

from __future__ import annotations

from typing import Any, Generic

from strawberry.asgi import GraphQL
from strawberry.http.typevars import Context, RootValue

from schema.engine.accelerated import Accelerated
from schema.engine.live_delivery import LiveOperationHandler
from schema.engine.ws_frames import SharedFrames


class AcceleratedView(GraphQL[Context, RootValue], Generic[Context, RootValue]):
    """strawberry's ASGI view, with the websocket delivery of an accelerated schema."""

    def __init__(self, schema: Any, **options: Any) -> None:
        super().__init__(schema, **options)
        self.frames: SharedFrames | None = None
        if isinstance(schema, Accelerated):
            self.frames = schema.frames
            self.graphql_transport_ws_handler_class = LiveOperationHandler

    def encode_json(self, data: object) -> str | bytes:
        if self.frames is not None and isinstance(data, dict):
            frame = self.frames.encode(data)
            if frame is not None:
                return frame
        return super().encode_json(data)
