from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from schema.types.scalars import utc


def test_naive_store_datetimes_become_aware_utc() -> None:
    assert utc(None) is None
    assert utc(datetime(2014, 3, 1, 8, 0)) == datetime(2014, 3, 1, 8, 0, tzinfo=UTC)
    beijing = timezone(timedelta(hours=8))
    converted = utc(datetime(2014, 3, 1, 16, 0, tzinfo=beijing))
    assert converted is not None and converted.tzinfo is UTC and converted.hour == 8
