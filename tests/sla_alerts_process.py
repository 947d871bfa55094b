"""One run of the 督办 alerts as of a day, in a process of its own, for the test that kills it."""

from __future__ import annotations

import asyncio
import sys
from datetime import date

from hub.calendar import WorkingCalendar
from hub.changelog import ChangeLog
from hub.sla import FilingClock
from hub.sla_alerts import SlaAlerts
from hub.store import Store


async def run(url: str, as_of: date) -> None:
    store = Store(url)
    try:
        await SlaAlerts(ChangeLog(store), FilingClock(store, WorkingCalendar())).run(as_of)
    finally:
        await store.dispose()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], date.fromisoformat(sys.argv[2])))
