"""Websocket ``next`` frames whose payload is serialized once for every subscriber it reaches.

Subscribers of one subscription receive the very same result object for an event
(``shared_events``), and with many subscribers serializing it again for each of them
was a large share of delivery. ``SharedFrames`` keeps the JSON of the most recent results by
identity and wraps it in each subscriber's frame (which differs only in the operation id).
A strong reference to each result is kept with its JSON, so that an identity is never reused
while it is cached.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub.lru import Lru

COMPACT = (",", ":")  # as strawberry encodes its other messages
# Results whose JSON is kept: every distinct subscription's latest events.
SHARED_FRAMES = 1024


class SharedFrames:
    """Encodes graphql-transport-ws messages, ``next`` frames from shared payload JSON."""

    def __init__(self, size: int = SHARED_FRAMES) -> None:
        # By the payload's identity, with the payload itself (see the module).
        self._json: Lru[int, tuple[object, str]] = Lru(size)

    @property
    def encodings(self) -> int:
        """Payloads serialized rather than found."""
        return self._json.stored

    def encode(self, message: Mapping[str, Any]) -> str | None:
        """The frame of ``message`` when it is a ``next`` carrying data only, else None."""
        if message.get("type") != "next":
            return None
        payload = message.get("payload")
        if not isinstance(payload, Mapping) or payload.keys() != {"data"}:
            return None
        return self.next_frame(json.dumps(message["id"]), payload["data"])

    def next_frame(self, operation: str, data: object) -> str:
        """The ``next`` frame of ``data`` for the operation whose id is ``operation`` (as
        JSON)."""
        found = self._json.get(id(data))
        if found is None:
            found = (data, json.dumps(data, separators=COMPACT))
            self._json.put(id(data), found)
        return f'{{"id":{operation},"type":"next","payload":{{"data":{found[1]}}}}}'
