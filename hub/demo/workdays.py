"""Working days (工作日) for the demo timelines, from ``chinese_calendar`` (holidays and 调休).

Every demo event happens on a working day; durations are counted in working days the way the
time limits (承诺时限) of the catalogue are. ``elapsed(a, b)`` counts the working days ``d`` with
``a < d <= b``, so a filing accepted and completed on the same day took 0 working days.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]


class WorkCalendar:
    """The working days between ``first`` and ``last``, addressable by a running index."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.last = last
        days: list[date] = []
        day = first
        while day <= last:
            if chinese_calendar.is_workday(day):
                days.append(day)
            day += timedelta(days=1)
        self._days = days
        self._ordinals = [d.toordinal() for d in days]

    def __len__(self) -> int:
        return len(self._days)

    def day(self, index: int) -> date:
        """The working day with running ``index``."""
        if not 0 <= index < len(self._days):
            raise ValueError(
                f"working day {index} is outside {self.first}..{self.last} "
                f"({len(self._days)} working days)"
            )
        return self._days[index]

    def index_on_or_before(self, day: date) -> int:
        """The index of the last working day on or before ``day`` (-1 if there is none)."""
        return bisect_right(self._ordinals, day.toordinal()) - 1

    def elapsed(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end``."""
        return self.index_on_or_before(end) - self.index_on_or_before(start)
