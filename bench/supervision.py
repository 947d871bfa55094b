"""The seed's supervision questions on the demo at a scale: the hub's SQL beside the same answer
worked out in Python from the raw rows, in the same run.

- overdue: open filings past their limit as of the demo day, by department and current step
  (``filingStats(groupBy: [DEPARTMENT, CURRENT_STEP], asOf:)``);
- lead times: working days from 立项 to 施工许可 by category (``leadTimeStats``), when the
  installed schema has it.

The Python baseline reads every filing and process event once and applies the rule of
``hub.sla`` with a day-indexed ``chinese_calendar`` table; both answers must agree.

    python -m bench.supervision --scale 10
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
from sqlalchemy import func, select, true

from bench.graph_demo import demo_store
from hub import tables
from hub.calendar import standard_calendar
from hub.entities import Stage
from hub.sla import FilingClock, Supervision
from hub.store import Store
from schema.filters import FilterScope
from schema.stats import filing_stats
from schema.supervision_stats import lead_time_stats
from schema.types.lead_time import LeadTimeGroup
from schema.types.stats import FilingGroup

DEMO_DAY = date(2014, 12, 31)
CHINA = timedelta(hours=8)
OPENING = {
    "SUPPLEMENT_REQUESTED": "SUPPLEMENT_RECEIVED",
    "SPECIAL_PROCEDURE_STARTED": "SPECIAL_PROCEDURE_ENDED",
}


async def timed(run: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, Any]:
    """The median wall time of ``repeat`` runs, and the last answer."""
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


async def hub_overdue(store: Store) -> Counter[tuple[str, str]]:
    scope = FilterScope(Supervision(FilingClock(store, standard_calendar()), DEMO_DAY))
    rows = await filing_stats(
        scope, [FilingGroup.DEPARTMENT, FilingGroup.CURRENT_STEP], None, DEMO_DAY
    )
    return Counter(
        {(r.department_code, r.current_step.value): r.overdue for r in rows if r.overdue}
    )


def _index(first: date, last: date) -> dict[date, int]:
    index, total, day = {}, 0, first
    while day <= last:
        total += chinese_calendar.is_workday(day)
        index[day] = total
        day += timedelta(days=1)
    return index


async def python_overdue(store: Store) -> Counter[tuple[str, str]]:
    """The same answer from the raw rows, in Python."""
    f, e, m = tables.filings, tables.process_events, tables.matters
    end = datetime.combine(DEMO_DAY + timedelta(days=1), datetime.min.time()) - CHINA
    async with store.read() as conn:
        matters = dict((await conn.execute(select(m.c.code, m.c.department_code))).all())
        filings = (
            await conn.execute(
                select(
                    f.c.key,
                    f.c.department_code,
                    f.c.matter_code,
                    f.c.time_limit_days,
                    f.c.accepted_at,
                    f.c.completed_at,
                ).where(f.c.deleted_at.is_(None))
            )
        ).all()
        events: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
        for key, filing, step, at in await conn.execute(
            select(e.c.key, e.c.filing_key, e.c.step, e.c.occurred_at).where(
                e.c.deleted_at.is_(None), e.c.occurred_at < end
            )
        ):
            events[filing].append((at, key, step))
    index = _index(date(2004, 1, 1), DEMO_DAY + timedelta(days=1))

    def day(moment: datetime) -> date:
        return (moment + CHINA).date()

    found: Counter[tuple[str, str]] = Counter()
    for key, department, matter, limit, accepted, completed in filings:
        if accepted is None or accepted >= end or limit is None or limit < 0:
            continue
        if completed is not None and completed < end:
            continue  # not open
        steps = sorted(events[key])
        elapsed = index[DEMO_DAY] - index[day(accepted)]
        suspended, open_pause = 0, False
        for at, _, step in steps:
            if step not in OPENING:
                continue
            closed = next((c for c, _, s in steps if s == OPENING[step] and c >= at), None)
            start = max(at, accepted)
            stop_day = DEMO_DAY if closed is None else min(day(closed), DEMO_DAY)
            open_pause |= closed is None
            suspended += max(0, index[stop_day] - index[day(start)])
        if open_pause or elapsed - suspended <= limit:
            continue
        current = steps[-1][2] if steps else None
        found[(department or matters.get(matter), current)] += 1
    return found


async def hub_lead_times(store: Store) -> dict[str, tuple[int, float]]:
    rows = await lead_time_stats(
        store,
        standard_calendar(),
        Stage.LAND_PLANNING,
        Stage.CONSTRUCTION_PERMIT,
        [LeadTimeGroup.CATEGORY],
        true(),
    )
    return {r.category.value: (r.count, round(r.avg_working_days, 2)) for r in rows if r.category}


async def python_lead_times(store: Store) -> dict[str, tuple[int, float]]:
    """The same answer from the raw rows, in Python."""
    f, m, p = tables.filings, tables.matters, tables.projects
    async with store.read() as conn:
        stages = dict(
            (await conn.execute(select(m.c.code, m.c.stage).where(m.c.deleted_at.is_(None)))).all()
        )
        categories = dict(
            (
                await conn.execute(select(p.c.code, p.c.category).where(p.c.deleted_at.is_(None)))
            ).all()
        )
        filings = (
            await conn.execute(
                select(
                    f.c.project_code,
                    f.c.matter_code,
                    f.c.status,
                    f.c.submitted_at,
                    f.c.completed_at,
                ).where(f.c.deleted_at.is_(None))
            )
        ).all()
    index = _index(date(2004, 1, 1), date(2026, 12, 31))
    started: dict[str, datetime] = {}
    reached: dict[str, datetime] = {}
    for project, matter, status, submitted, completed in filings:
        stage = stages.get(matter)
        if stage == "LAND_PLANNING" and submitted is not None:
            started[project] = min(started.get(project, submitted), submitted)
        if stage == "CONSTRUCTION_PERMIT" and status == "APPROVED" and completed is not None:
            reached[project] = min(reached.get(project, completed), completed)
    by_category: dict[str, list[int]] = defaultdict(list)
    for project, end in reached.items():
        if project in started and project in categories and end >= started[project]:
            days = index[(end + CHINA).date()] - index[(started[project] + CHINA).date()]
            by_category[categories[project]].append(days)
    return {
        category: (len(days), round(sum(days) / len(days), 2))
        for category, days in by_category.items()
        if category
    }


async def main(scale: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = await demo_store(Path(folder), scale)
        store = Store(settings.resolve_url(settings.store.url))
        try:
            filings = int(await store.scalar(select(func.count()).select_from(tables.filings)))
            hub_time, hub_answer = await timed(lambda: hub_overdue(store), repeat)
            py_time, py_answer = await timed(lambda: python_overdue(store), repeat)
            assert hub_answer == py_answer, (hub_answer, py_answer)
            print(f"demo scale {scale:g}: {filings:,} filings, as of {DEMO_DAY}")
            print(
                f"overdue by department and step  hub (SQL) {hub_time * 1000:8.1f} ms | "
                f"Python from raw rows {py_time * 1000:8.1f} ms | "
                f"ratio python/hub {py_time / hub_time:.2f} | {sum(hub_answer.values())} overdue"
            )
            hub_time, hub_answer = await timed(lambda: hub_lead_times(store), repeat)
            py_time, py_answer = await timed(lambda: python_lead_times(store), repeat)
            assert hub_answer == py_answer, (hub_answer, py_answer)
            print(
                f"lead times 立项 -> 施工许可         hub (SQL) {hub_time * 1000:8.1f} ms | "
                f"Python from raw rows {py_time * 1000:8.1f} ms | "
                f"ratio python/hub {py_time / hub_time:.2f} | {hub_answer}"
            )
        finally:
            await store.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.scale, arguments.repeat))
