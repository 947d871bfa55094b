from __future__ import annotations

from datetime import UTC

from schema.types.process_event import ProcessEvent
from tests.schema import seed
from tests.schema.types.rows import row


def test_process_event_from_row() -> None:
    event = ProcessEvent.from_row(
        row(seed.event("E-1", "F-1", seed.DAY0, step="DECIDE", opinion="同意"))
    )
    assert event.step.value == "DECIDE" and event.opinion == "同意"
    assert event.occurred_at.tzinfo is UTC and event.filing_key == "F-1"
