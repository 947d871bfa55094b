"""The as-of days clients give: a business day after today in China is an error that says which
field and what today is."""

from __future__ import annotations

from datetime import date

from hub.clock import utcnow
from hub.errors import ErrorCode
from hub.sla import china_today
from schema.errors import UserInputError


def past_day(as_of: date | None, where: str) -> None:
    """A ``UserInputError`` naming ``where`` when ``as_of`` is after today in China."""
    today = china_today(utcnow())
    if as_of is not None and as_of > today:
        raise UserInputError(
            f"{where}: asOf {as_of.isoformat()} is in the future (today in China is "
            f"{today.isoformat()}); give a day up to today",
            code=ErrorCode.BAD_AS_OF,
        )
