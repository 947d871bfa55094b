"""The working-day calendar (工作日): public holidays and 调休 make-up days, answered in Python
and inside SQL.

The days come from ``chinese_calendar`` plus overrides (extra holidays, extra working days) for
what it lacks or gets wrong. A year that neither names is an error: counting it Monday to Friday
would silently miss its Spring Festival. Everything that counts working days (the demo's
timelines, ``filingStats``, time limits) counts the working days ``d`` with ``start < d <= end``,
so a filing accepted and completed on the same day took 0 working days.

In SQL a day's *working-day index* is the count of Mondays to Fridays (closed form) plus a step
correction ``CASE WHEN day >= b_k THEN c_k ...`` over the days in the range where the calendar
disagrees with Monday to Friday (about 25 a year); differences of two indexes are the counts
above. SQL days are calendar days in China time (UTC+8, no daylight saving).
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
from sqlalchemy import Integer, case, cast, func, literal_column, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from hub.config import CalendarConfig, check_disjoint
from hub.store import Store

EPOCH = date(1970, 1, 1)
CHINA_OFFSET_HOURS = 8
_JULIAN_EPOCH = 2440588  # julianday('1970-01-01 12:00'): SQLite's day number of the epoch
_PUBLISHED_YEARS = frozenset(d.year for d in chinese_calendar.holidays)


class UnknownCalendarYearError(LookupError):
    """Raised when a day falls in a year the working-day calendar has no data for."""

    def __init__(self, year: int, known: Iterable[int]) -> None:
        self.year = year
        years = sorted(known)
        super().__init__(
            f"the working-day calendar has no data for {year} (it knows {years[0]}-{years[-1]}): "
            "add it under [calendar] in hub.toml or upgrade chinese-calendar"
        )


class WorkingCalendar:
    """Working days of the years ``chinese_calendar`` publishes, with overrides on top.

    A year any override names is known too (its other days then follow Monday to Friday): that
    is how a deployment adds a year before ``chinese_calendar`` publishes it.
    """

    def __init__(self, holidays: Iterable[date] = (), working_days: Iterable[date] = ()) -> None:
        extra_holidays, extra_working = frozenset(holidays), frozenset(working_days)
        check_disjoint(extra_holidays, extra_working)
        self.years: frozenset[int] = _PUBLISHED_YEARS | {
            d.year for d in extra_holidays | extra_working
        }
        self.first = date(min(self.years), 1, 1)
        self.last = date(max(self.years), 12, 31)
        span = [self.first + timedelta(days=k) for k in range((self.last - self.first).days + 1)]
        working = [_is_working(d, extra_holidays, extra_working) for d in span]
        self._working = working
        self._days = [d for d, w in zip(span, working, strict=True) if w]
        self._through = list(accumulate(int(w) for w in working))  # working days first..day
        # (day number, running total of exceptions to Monday to Friday) for the SQL steps.
        self._exceptions = [
            ((d - EPOCH).days, 1 if w else -1)
            for d, w in zip(span, working, strict=True)
            if w != (d.weekday() < 5)
        ]

    @classmethod
    def configured(cls, config: CalendarConfig) -> WorkingCalendar:
        """The calendar of ``hub.toml``'s ``[calendar]`` section."""
        if not config.holidays and not config.working_days:
            return standard_calendar()
        return cls(config.holidays, config.working_days)

    def check_years(self, first: date, last: date) -> None:
        """Raise ``UnknownCalendarYearError`` for the first year in ``first``..``last`` without
        data."""
        for year in range(min(first.year, last.year), max(first.year, last.year) + 1):
            if year not in self.years:
                raise UnknownCalendarYearError(year, self.years)

    def is_working_day(self, day: date) -> bool:
        self.check_years(day, day)
        return self._working[(day - self.first).days]

    def working_index(self, day: date) -> int:
        """The working days from the calendar's first day through ``day``."""
        self.check_years(day, day)
        return self._through[(day - self.first).days]

    def nth_working_day(self, index: int) -> date:
        """The working day whose ``working_index`` is ``index`` (counted from 1)."""
        if index < 1:
            raise UnknownCalendarYearError(self.first.year - 1, self.years)
        if index > len(self._days):
            raise UnknownCalendarYearError(self.last.year + 1, self.years)
        day = self._days[index - 1]
        self.check_years(day, day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end`` (negative when ``end`` is earlier)."""
        self.check_years(start, end)
        return self.working_index(end) - self.working_index(start)

    def add_working_days(self, start: date, days: int) -> date:
        """The day ``days`` working days after ``start``: the deadline of a time limit of that
        many working days counted from ``start`` (``start`` itself for 0)."""
        if days < 0:
            raise ValueError(f"cannot add a negative number of working days ({days})")
        if days == 0:
            return start
        return self.nth_working_day(self.working_index(start) + days)

    def sql_index(
        self,
        store: Store,
        column: ColumnElement[Any],
        first: date | None = None,
        last: date | None = None,
    ) -> ColumnElement[int]:
        """The working-day index of ``column``'s China-time day, exact for days in
        ``first``..``last`` (whose years must be known; by default every year the calendar
        knows). The correction is a ``CASE`` over the exceptions to Monday to
        Friday in blocks (``_steps``), so a long span stays cheap per row."""
        first, last = first or self.first, last or self.last
        self.check_years(first, last)
        low, high = (date(first.year, 1, 1) - EPOCH).days, (date(last.year, 12, 31) - EPOCH).days
        start = bisect_right(self._exceptions, (low, -2))
        numbers: list[int] = []
        totals: list[int] = []
        total = 0
        for number, delta in self._exceptions[start:]:
            if number > high:
                break
            total += delta
            numbers.append(number)
            totals.append(total)
        day = day_number(store, column)
        return _weekdays_through(day) + _steps(day, numbers, totals)


def _is_working(day: date, holidays: frozenset[date], working_days: frozenset[date]) -> bool:
    if day in working_days:
        return True
    if day in holidays:
        return False
    if day in chinese_calendar.workdays:  # 调休: a weekend day worked to bridge a holiday
        return True
    return day.weekday() < 5 and day not in chinese_calendar.holidays


@functools.cache
def standard_calendar() -> WorkingCalendar:
    """``chinese_calendar``'s days without overrides."""
    return WorkingCalendar()


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


def _steps(day: ColumnElement[int], numbers: list[int], totals: list[int]) -> ColumnElement[int]:
    """The running total of the last step at or before ``day`` (0 before the first): a ``CASE``
    over blocks of about sqrt(n) steps, each a ``CASE`` over its steps, latest first, so a row
    costs about 2·sqrt(n) comparisons and the nesting stays two deep (SQLite's parser has a
    small stack)."""
    if not numbers:
        return literal_column("0", Integer())
    size = max(1, math.isqrt(len(numbers)))
    blocks = []
    for start in reversed(range(0, len(numbers), size)):
        inside = range(start, min(start + size, len(numbers)))
        before = totals[start - 1] if start else 0
        block = case(
            *(
                (day >= literal_column(str(numbers[k])), literal_column(str(totals[k])))
                for k in reversed(inside)
            ),
            else_=literal_column(str(before)),
        )
        blocks.append((day >= literal_column(str(numbers[start])), block))
    return case(*blocks, else_=literal_column("0", Integer()))


def working_day_index(
    store: Store, column: ColumnElement[Any], first: date, last: date
) -> ColumnElement[int]:
    """``standard_calendar().sql_index``: the working-day index in SQL for ``filingStats``."""
    return standard_calendar().sql_index(store, column, first, last)
