"""Shared ``next`` frames: the same JSON a plain encoder gives, each payload serialized once."""

from __future__ import annotations

import json

from schema.engine.ws_frames import SharedFrames


def _next(operation: str, data: object) -> dict[str, object]:
    return {"id": operation, "type": "next", "payload": {"data": data}}


def test_a_frame_is_the_message_and_a_shared_payload_is_serialized_once() -> None:
    frames = SharedFrames()
    data = {"changes": {"seq": 7, "newValue": {"name": "福田区第1小学"}}}
    sent = [frames.encode(_next(operation, data)) for operation in ("1", "2", 'a"b')]
    assert [json.loads(frame) for frame in sent if frame] == [
        _next("1", data),
        _next("2", data),
        _next('a"b', data),
    ]
    assert frames.encodings == 1
    # Equal content in another object is another result: serialized again, never confused.
    assert json.loads(frames.encode(_next("1", {"changes": None})) or "") == _next(
        "1", {"changes": None}
    )
    assert frames.encodings == 2


def test_other_messages_are_left_to_the_plain_encoder() -> None:
    frames = SharedFrames()
    assert frames.encode({"type": "connection_ack"}) is None
    assert frames.encode({"id": "1", "type": "complete"}) is None
    errors = {"data": None, "errors": [{"message": "boom"}]}
    assert frames.encode({"id": "1", "type": "next", "payload": errors}) is None
    assert frames.encodings == 0


def test_the_cache_is_bounded_and_keeps_what_it_holds_alive() -> None:
    frames = SharedFrames(size=2)
    payloads = [{"n": n} for n in range(3)]
    for payload in payloads:
        frames.encode(_next("1", payload))
    frames.encode(_next("1", payloads[0]))  # evicted by the third: serialized again
    assert frames.encodings == 4
    frames.encode(_next("1", payloads[2]))  # still held
    assert frames.encodings == 4
