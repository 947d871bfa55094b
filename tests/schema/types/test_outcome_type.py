from __future__ import annotations

from datetime import date

from schema.types.outcome import Outcome
from tests.schema import seed
from tests.schema.types.rows import row


def test_outcome_from_row() -> None:
    outcome = Outcome.from_row(row(seed.outcome("O-1", "F-1", decision="REJECTED")))
    assert outcome.decision.value == "REJECTED"
    assert outcome.valid_until == date(2016, 3, 1)
    assert outcome.issued_at == date(2014, 3, 6)
    assert (outcome.filing_key, outcome.project_code) == ("F-1", None)
