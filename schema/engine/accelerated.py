"""The switch: a strawberry schema with every acceleration on, and the setting that picks it.

``Accelerated`` is mixed into the hub's schema class when accelerations are on; without it the
schema is plain strawberry, which is the reference path the accelerations must match.
``HUB_ACCELERATE=0`` in the environment turns them off wherever a schema is built without
saying (``accelerate_from_environment``, read by ``schema.build_schema`` only).
"""

from __future__ import annotations

import os
from typing import Any

import strawberry
from strawberry.types import ExecutionContext

from schema.engine.fast_fields import FastFieldExecutor, streamline
from schema.engine.internals import graphql_schema
from schema.engine.live_delivery import LiveDelivery
from schema.engine.shared_events import ResultCache, shared_event_executor
from schema.engine.ws_frames import SharedFrames

ACCELERATE_ENV = "HUB_ACCELERATE"
SETTINGS = {"1": True, "0": False}


class AccelerateSettingError(ValueError):
    """Raised when ``HUB_ACCELERATE`` holds something other than 0 or 1."""

    def __init__(self, value: str) -> None:
        super().__init__(f"{ACCELERATE_ENV} must be 1 (accelerated) or 0 (plain), not {value!r}")


def accelerate_from_environment() -> bool:
    """True unless ``HUB_ACCELERATE`` is 0."""
    value = os.environ.get(ACCELERATE_ENV, "1").strip()
    if value not in SETTINGS:
        raise AccelerateSettingError(value)
    return SETTINGS[value]


class Accelerated(strawberry.Schema):
    """A mixin for a strawberry schema class: plain fields resolved directly
    (``fast_fields``), each subscription event executed once per distinct subscription
    (``shared_events``) and sent on to further subscribers directly (``live_delivery``), with
    the frames the view sends made by ``frames`` (``ws_frames``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", FastFieldExecutor)
        super().__init__(*args, **kwargs)
        streamline(self)
        self.event_results = ResultCache()
        self.frames = SharedFrames()
        self.live = LiveDelivery(self.event_results, self.frames)
        self.live.install(graphql_schema(self))
        self._subscription_executor = shared_event_executor(
            self.execution_context_class, self.event_results
        )

    def _stream(
        self,
        execution_context: ExecutionContext,
        extensions_runner: Any,
        middleware_manager: Any,
        execution_context_class: Any = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> Any:
        # strawberry hands this executor class only to subscriptions (queries and mutations
        # over a websocket use the schema's own), so swapping it here shares event results
        # without touching query execution.
        return super()._stream(
            execution_context,
            extensions_runner,
            middleware_manager,
            self._subscription_executor,
            operation_extensions,
        )
