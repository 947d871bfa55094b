"""ISO weeks of the weekly report: parsing, bounds in China time, and the week in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.weeks import FutureWeekError, IsoWeek, MalformedWeekError


def test_a_week_runs_monday_to_sunday_in_china_time() -> None:
    week = IsoWeek.parse("2014-W52")
    assert (week.monday, week.sunday) == (date(2014, 12, 22), date(2014, 12, 28))
    assert week.starts_utc() == datetime(2014, 12, 21, 16, 0)
    assert week.ends().astimezone(UTC) == datetime(2014, 12, 28, 16, 0, tzinfo=UTC)
    assert str(week.previous) == "2014-W51"
    assert str(IsoWeek.parse("2015-W01").previous) == "2014-W52"
    assert IsoWeek.of(date(2014, 12, 31)) == IsoWeek(2015, 1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2014-52", "not of the form YYYY-Www"),
        ("2014-W5", "not of the form YYYY-Www"),
        ("2014-W53", "2014 has weeks 01 to 52"),
        ("2014-W00", "2014 has weeks 01 to 52"),
        ("", "not of the form"),
    ],
)
def test_a_malformed_or_missing_week_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(MalformedWeekError, match=problem) as raised:
        IsoWeek.parse(text)
    assert "such as 2014-W52" in str(raised.value)
    assert IsoWeek.parse("2015-W53").monday == date(2015, 12, 28)  # 2015 has 53 weeks


def test_a_week_is_read_as_of_its_sunday_or_today_and_never_ahead() -> None:
    week = IsoWeek.parse("2015-W01")
    assert IsoWeek.parse("2014-W52").as_of(date(2014, 12, 31)) == date(2014, 12, 28)
    assert week.as_of(date(2014, 12, 31)) == date(2014, 12, 31)  # in progress
    with pytest.raises(FutureWeekError, match="the latest is 2015-W01"):
        IsoWeek.parse("2015-W02").as_of(date(2014, 12, 31))
