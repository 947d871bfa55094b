"""The working-day calendar: 调休 days, overrides, unknown years, and SQL agreeing with Python on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select

from hub.calendar import UnknownCalendarYearError, WorkingCalendar, standard_calendar
from hub.config import parse_config
from hub.errors import ConfigError
from hub.store import Store

pytestmark = pytest.mark.anyio

# Spring Festival 2014: 1-31 to 2-6 off, Sunday 1-26 and Saturday 2-8 worked; National Day 2014:
# 10-1 to 10-7 off, Sunday 9-28 and Saturday 10-11 worked.
SPRING_FESTIVAL = [date(2014, 1, 31) + timedelta(days=k) for k in range(7)]
NATIONAL_DAY = [date(2014, 10, 1) + timedelta(days=k) for k in range(7)]
MAKE_UP_DAYS = [date(2014, 1, 26), date(2014, 2, 8), date(2014, 9, 28), date(2014, 10, 11)]


def test_holidays_and_make_up_days() -> None:
    calendar = standard_calendar()
    assert not any(calendar.is_working_day(d) for d in SPRING_FESTIVAL + NATIONAL_DAY)
    assert all(calendar.is_working_day(d) for d in MAKE_UP_DAYS)
    assert calendar.is_working_day(date(2014, 1, 30))  # 除夕 2014 was worked
    assert not calendar.is_working_day(date(2014, 1, 25))  # an ordinary Saturday


def test_counting_and_adding() -> None:
    calendar = standard_calendar()
    # After Friday 1-24 through Monday 2-10: 1-26, 1-27..1-30, 2-7, 2-8, 2-10.
    assert calendar.working_days_between(date(2014, 1, 24), date(2014, 2, 10)) == 8
    assert calendar.working_days_between(date(2014, 3, 3), date(2014, 3, 3)) == 0
    assert calendar.working_days_between(date(2014, 2, 10), date(2014, 1, 24)) == -8
    assert calendar.add_working_days(date(2014, 9, 30), 1) == date(2014, 10, 8)
    assert calendar.add_working_days(date(2014, 9, 26), 1) == date(2014, 9, 28)
    assert calendar.add_working_days(date(2014, 10, 4), 0) == date(2014, 10, 4)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(date(2014, 10, 4), -1)
    start = date(2013, 12, 20)
    for n in range(0, 400, 7):
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n
    # The whole of 2014 against chinese_calendar itself.
    days = [date(2014, 1, 1) + timedelta(days=k) for k in range(365)]
    expected = sum(1 for d in days if chinese_calendar.is_workday(d))
    assert calendar.working_days_between(date(2013, 12, 31), date(2014, 12, 31)) == expected


def test_overrides() -> None:
    typhoon, saturday = date(2014, 9, 16), date(2014, 3, 8)
    calendar = WorkingCalendar(holidays=[typhoon], working_days=[saturday])
    assert not calendar.is_working_day(typhoon) and calendar.is_working_day(saturday)
    standard = standard_calendar()
    span = (date(2014, 1, 1), date(2014, 12, 31))
    assert calendar.working_days_between(*span) == standard.working_days_between(*span)
    with pytest.raises(ValueError, match="both holidays and working days: 2014-09-16"):
        WorkingCalendar(holidays=[typhoon], working_days=[typhoon])


def test_a_year_without_data_is_an_error() -> None:
    calendar = standard_calendar()
    unknown = max(calendar.years) + 1
    for call in (
        lambda: calendar.is_working_day(date(unknown, 3, 2)),
        lambda: calendar.working_days_between(date(unknown - 1, 12, 1), date(unknown, 1, 5)),
        lambda: calendar.add_working_days(date(unknown - 1, 12, 20), 30),
        lambda: calendar.is_working_day(date(2003, 3, 3)),
    ):
        with pytest.raises(UnknownCalendarYearError) as raised:
            call()
        assert isinstance(raised.value, LookupError)
        assert "add it under [calendar] in hub.toml or upgrade chinese-calendar" in str(
            raised.value
        )
    with pytest.raises(UnknownCalendarYearError, match=f"no data for {unknown}"):
        calendar.is_working_day(date(unknown, 3, 2))
    # An override naming a day of the year makes it known.
    extended = WorkingCalendar(holidays=[date(unknown, 1, 1)])
    assert not extended.is_working_day(date(unknown, 1, 1))
    assert extended.is_working_day(date(unknown, 1, 2)) == (date(unknown, 1, 2).weekday() < 5)


def test_config_section() -> None:
    config = parse_config(
        {"calendar": {"holidays": ["2027-01-01"], "working_days": [date(2027, 1, 9)]}}
    )
    assert config.calendar.holidays == [date(2027, 1, 1)]
    assert config.calendar.working_days == [date(2027, 1, 9)]
    assert parse_config({}).calendar.holidays == []
    with pytest.raises(ConfigError, match="calendar"):
        parse_config({"calendar": {"holidays": ["2027-02-30"]}})
    with pytest.raises(ConfigError, match="both holidays and working days"):
        parse_config({"calendar": {"holidays": ["2027-01-01"], "working_days": ["2027-01-01"]}})


async def test_sql_counts_the_same_as_python(store: Store) -> None:
    calendar = WorkingCalendar(holidays=[date(2014, 9, 16)], working_days=[date(2014, 3, 8)])
    first, last = date(2013, 12, 1), date(2014, 12, 31)
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    # Naive UTC times whose China-time day is the day: 16:30 UTC is 00:30 the next day.
    rows = [
        (k, datetime(d.year, d.month, d.day) - timedelta(hours=7, minutes=30))
        for k, d in enumerate(days)
    ]
    table = Table(
        "calendar_days",
        MetaData(),
        Column("k", Integer, primary_key=True),
        Column("at", DateTime, nullable=False),
    )
    async with store.write() as conn:
        await conn.run_sync(table.create)
        await conn.execute(insert(table), [{"k": k, "at": at} for k, at in rows])
    assert await calendar.install(store)
    assert not await calendar.install(store)  # the same calendar: nothing to write
    index = calendar.sql_index(store, table.c.at).label("index")
    async with store.read() as conn:
        found = dict((await conn.execute(select(table.c.k, index))).all())
    base = found[0]
    for k, day in enumerate(days):
        assert found[k] - base == calendar.working_days_between(first, day), day
    # The standard calendar counts otherwise: the overrides reached SQL.
    assert await standard_calendar().install(store)
    standard = standard_calendar().sql_index(store, table.c.at).label("index")
    async with store.read() as conn:
        plain = dict((await conn.execute(select(table.c.k, standard))).all())
    assert plain != found
