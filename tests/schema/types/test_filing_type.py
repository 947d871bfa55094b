from __future__ import annotations

from datetime import UTC

import pytest

from schema.types.filing import Filing
from tests.schema import seed
from tests.schema.types.rows import row


def test_filing_from_row() -> None:
    filing = Filing.from_row(row(seed.filing("F-1", seed.ORPHAN_PROJECT, "GT-001")))
    assert (filing.key, filing.project_code, filing.matter_code) == (
        "F-1",
        seed.ORPHAN_PROJECT,
        "GT-001",
    )
    assert filing.department_code is None
    assert filing.status.value == "SUBMITTED"
    assert filing.submitted_at is not None and filing.submitted_at.tzinfo is UTC
    assert filing.completed_at is None
    assert filing.materials == ["申请表", "立项批复"]


def test_a_filing_status_outside_the_enum_is_an_error() -> None:
    with pytest.raises(ValueError):
        Filing.from_row(row(seed.filing("F-1", seed.ORPHAN_PROJECT, "GT-001", status="BOGUS")))
