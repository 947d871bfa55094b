from __future__ import annotations

from datetime import UTC, datetime

from schema.types.provenance import Provenance, provenance_of
from tests.schema.types.rows import row


def test_provenance_of_a_row() -> None:
    values = {"src_connector": "fgw_db", "src_key": "XM-1", "synced_at": datetime(2026, 1, 1)}
    assert provenance_of(row(values)) == Provenance(
        connector="fgw_db", source_key="XM-1", synced_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
