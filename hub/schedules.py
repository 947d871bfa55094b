"""Sync schedules as written in hub.toml: a cron expression or ``every 10m``."""

from __future__ import annotations

import re
from datetime import timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_EVERY = re.compile(r"^every\s+(\d+)\s*(s|m|h|d)$")
_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_schedule(schedule: str, timezone: str) -> BaseTrigger:
    """``*/10 * * * *`` (cron, in the connector's timezone) or ``every 30s``/``every 10m``;
    anything else raises ValueError saying which forms are accepted."""
    text = schedule.strip()
    every = _EVERY.match(text)
    if every:
        amount = int(every.group(1))
        if amount <= 0:
            raise ValueError(f"schedule {schedule!r}: the interval must be positive")
        return IntervalTrigger(**{_UNITS[every.group(2)]: amount}, timezone=timezone)
    try:
        return CronTrigger.from_crontab(text, timezone=timezone)
    except ValueError as exc:
        raise ValueError(
            f"schedule {schedule!r} is neither a cron expression ('*/10 * * * *') "
            f"nor an interval ('every 10m'): {exc}"
        ) from None


def parse_duration(text: str) -> timedelta:
    """``30s``, ``10m``, ``2h``, ``1d``."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration (use e.g. 30s, 10m, 2h, 1d)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def interval_of(schedule: str) -> timedelta | None:
    """The fixed interval of an ``every ...`` schedule (None for cron)."""
    every = _EVERY.match(schedule.strip())
    if not every:
        return None
    return timedelta(**{_UNITS[every.group(2)]: int(every.group(1))})
