"""ISO weeks (``2014-W52``), the period of the weekly report (周报): Monday to Sunday, China
time, read as of its Sunday (or as of the business day, for the week in progress)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from hub.calendar import CHINA_OFFSET_HOURS
from hub.errors import HubError

CHINA = timezone(timedelta(hours=CHINA_OFFSET_HOURS))
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class MalformedWeekError(HubError, ValueError):
    """Raised when a week is not an ISO week ``YYYY-Www`` that exists (``2014-W52``)."""

    def __init__(self, given: str, problem: str) -> None:
        self.given = given
        super().__init__(f"week {given!r}: {problem}; write an ISO week such as 2014-W52")


class FutureWeekError(HubError, ValueError):
    """Raised when a report is asked for a week that has not started by the business day."""

    def __init__(self, week: IsoWeek, today: date) -> None:
        self.week = week
        self.today = today
        super().__init__(
            f"week {week} starts on {week.monday}, after the business day {today}: it has no "
            f"report yet; the latest is {IsoWeek.of(today)}"
        )


@dataclass(frozen=True, order=True, slots=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = _WEEK.fullmatch(text.strip())
        if match is None:
            raise MalformedWeekError(text, "not of the form YYYY-Www")
        year, week = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            last = date(year, 12, 28).isocalendar().week
            raise MalformedWeekError(text, f"{year} has weeks 01 to {last:02d}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    def starts(self) -> datetime:
        """The first instant of the week, China time (aware)."""
        return datetime.combine(self.monday, time(), CHINA)

    def ends(self) -> datetime:
        """The first instant after the week, China time (aware)."""
        return self.starts() + timedelta(days=7)

    def starts_utc(self) -> datetime:
        """``starts`` as the store keeps instants: naive UTC."""
        return self.starts().astimezone(UTC).replace(tzinfo=None)

    def ends_utc(self) -> datetime:
        return self.ends().astimezone(UTC).replace(tzinfo=None)

    def as_of(self, today: date) -> date:
        """The day the week is read on: its Sunday, or ``today`` while it is in progress; a
        week that starts after ``today`` raises ``FutureWeekError``."""
        if self.monday > today:
            raise FutureWeekError(self, today)
        return min(self.sunday, today)
