"""The working-day calendar (工作日): public holidays and 调休 make-up days, answered in Python
and inside SQL.

The days come from ``chinese_calendar`` plus overrides (extra holidays, extra working days) for
what it lacks or gets wrong. A year that neither names is an error: counting it Monday to Friday
would silently miss its Spring Festival. Everything that counts working days (the demo's
timelines, ``filingStats``, time limits) counts the working days ``d`` with ``start < d <= end``,
so a filing accepted and completed on the same day took 0 working days.

In SQL a day's *working-day index* (working days from the calendar's first day through it) is
read from the store's ``working_days`` table, one row per calendar day, which ``install``
writes when the calendar differs from the one stored (the hub does at start; a date dimension
as data warehouses keep one). Differences of two indexes are the counts above; a day outside the
calendar has no row, so its count is NULL rather than a guess. SQL days are calendar days in
China time (UTC+8, no daylight saving).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import chinese_calendar
from sqlalchemy import Integer, cast, delete, func, literal_column, select, text, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from hub import tables
from hub.config import CalendarConfig, check_disjoint

if TYPE_CHECKING:
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
        # (day number, +1 worked weekend day / -1 weekday holiday): what sets it apart.
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

    @property
    def fingerprint(self) -> str:
        """Identifies the calendar's days: what the store's ``working_days`` table holds."""
        digest = hashlib.sha256(repr((self.first, self.last, self._exceptions)).encode())
        return digest.hexdigest()[:32]

    async def install(self, store: Store) -> bool:
        """Write this calendar's days into the store's ``working_days`` table (the SQL side of
        every count) unless they are there already; True when it wrote."""
        from hub.store import MIGRATION_LOCK  # hub.store imports this module

        days, meta = tables.working_days, tables.working_calendar
        async with store.write() as conn:
            if store.is_postgres:  # instances starting at once: one writes, the others find it
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            stored = (await conn.execute(select(meta.c.fingerprint))).scalar()
            if stored == self.fingerprint:
                return False
            await conn.execute(delete(days))
            await conn.execute(delete(meta))
            base = (self.first - EPOCH).days
            await conn.execute(
                days.insert(),
                [
                    {"day": base + offset, "working_index": through}
                    for offset, through in enumerate(self._through)
                ],
            )
            await conn.execute(meta.insert(), {"fingerprint": self.fingerprint})
        return True

    def sql_index(self, store: Store, column: ColumnElement[Any]) -> ColumnElement[int]:
        """The working-day index of ``column``'s China-time day, read from the store's
        ``working_days`` table (``install`` writes it): NULL for a day the calendar does not
        cover, never a guess."""
        days = tables.working_days
        return (
            select(days.c.working_index)
            .where(days.c.day == day_number(store, column))
            .scalar_subquery()
        )


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
