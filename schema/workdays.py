"""Working days (工作日, with public holidays and 调休 make-up days) computed inside SQL.

A day's *working-day index* is the number of working days up to it, so the working days ``d``
with ``accepted < d <= completed`` are ``index(completed) - index(accepted)`` (the demo and the
time limits count the same way). In SQL the index is the count of Mondays to Fridays (closed
form) plus a step correction: ``CASE WHEN day >= b_k THEN c_k ...`` over the days in the data's
range where ``chinese_calendar`` disagrees with "Monday to Friday" (about 25 a year). Days are
calendar days in China time (UTC+8, no daylight saving); years ``chinese_calendar`` has no data
for count Mondays to Fridays.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from sqlalchemy import Integer, case, cast, func, literal, literal_column, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from hub.store import Store

EPOCH = date(1970, 1, 1)
CHINA_OFFSET_HOURS = 8
_JULIAN_EPOCH = 2440588  # julianday('1970-01-01 12:00'): SQLite's day number of the epoch


def day_number(store: Store, column: ColumnElement[Any]) -> ColumnElement[int]:
    """The China-time calendar day of a naive UTC datetime, as days since 1970-01-01."""
    if store.is_sqlite:
        julian = func.julianday(column, f"+{CHINA_OFFSET_HOURS} hours") + 0.5
        return cast(julian, Integer) - _JULIAN_EPOCH
    local = column + literal_column(f"INTERVAL '{CHINA_OFFSET_HOURS} hours'")
    return type_coerce(func.date(local) - literal_column("DATE '1970-01-01'"), Integer)


def _weekdays_through(day: ColumnElement[int]) -> ColumnElement[int]:
    """Mondays to Fridays from Monday 1969-12-29 (day -3) through ``day``."""
    days = day + 4  # days in [-3, day]
    return (days // 7) * 5 + case((days % 7 > 5, 5), else_=days % 7)


@functools.lru_cache(maxsize=64)
def _exceptions(year: int) -> tuple[tuple[int, int], ...]:
    """(day number, +1 for a make-up working weekend day / -1 for a weekday holiday)."""
    found: list[tuple[int, int]] = []
    day = date(year, 1, 1)
    while day.year == year:
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:  # no data for this year: Monday to Friday
            return ()
        weekday = day.weekday() < 5
        if working != weekday:
            found.append(((day - EPOCH).days, 1 if working else -1))
        day += timedelta(days=1)
    return tuple(found)


def working_day_index(
    store: Store, column: ColumnElement[Any], first: date, last: date
) -> ColumnElement[int]:
    """The working-day index of ``column``'s day, exact for days in ``first``..``last``."""
    day = day_number(store, column)
    steps: list[tuple[int, int]] = []
    total = 0
    for year in range(first.year, last.year + 1):
        for number, delta in _exceptions(year):
            total += delta
            steps.append((number, total))
    if not steps:
        return _weekdays_through(day)
    correction = case(
        *((day >= literal(number), literal(value)) for number, value in reversed(steps)),
        else_=literal(0),
    )
    return _weekdays_through(day) + correction
