from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.schedules import interval_of, parse_schedule


def test_cron_runs_in_the_connector_timezone() -> None:
    trigger = parse_schedule("0 2 * * *", "Asia/Shanghai")
    assert isinstance(trigger, CronTrigger)
    fire = trigger.get_next_fire_time(None, datetime(2014, 3, 5, 0, 0, tzinfo=UTC))
    assert fire is not None and fire.astimezone(UTC) == datetime(2014, 3, 5, 18, 0, tzinfo=UTC)


def test_intervals() -> None:
    assert isinstance(parse_schedule("every 30s", "UTC"), IntervalTrigger)
    assert interval_of("every 10m") == timedelta(minutes=10)
    assert interval_of("*/5 * * * *") is None


@pytest.mark.parametrize("text", ["every 0m", "hourly", "61 * * * *"])
def test_bad_schedules_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match="schedule"):
        parse_schedule(text, "UTC")
