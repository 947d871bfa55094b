"""Idle projects on the demo at a scale: ``idleStats`` (``hub.idle``'s SQL, causes inferred and
annotated) beside a hand-written SQL equivalent of the idle set per district, in the same run;
both must agree on the counts.

    python -m bench.idle --scale 10
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.graph_demo import demo_store
from bench.supervision import timed
from hub import tables
from hub.calendar import standard_calendar
from hub.idle import IdleRule
from hub.sla import FilingClock, Supervision
from hub.store import Store
from schema.filters import FilterScope
from schema.idle_stats import idle_stats
from schema.types.idle_stats import IdleGroup

DEMO_DAY = date(2014, 12, 31)
# SQLite, as of the end of 2014-12-31 in China (16:00 UTC); idle since before 2014-10-31.
HAND_WRITTEN = """
WITH activity AS (
  SELECT project_code AS code, max(at) AS at FROM (
    SELECT project_code, submitted_at AS at FROM filings WHERE deleted_at IS NULL
    UNION ALL SELECT project_code, accepted_at FROM filings WHERE deleted_at IS NULL
    UNION ALL SELECT project_code, completed_at FROM filings WHERE deleted_at IS NULL
    UNION ALL SELECT f.project_code, e.occurred_at FROM process_events e
      JOIN filings f ON f.key = e.filing_key WHERE e.deleted_at IS NULL AND f.deleted_at IS NULL
    UNION ALL SELECT f.project_code, o.issued_at FROM outcomes o
      JOIN filings f ON f.key = o.filing_key WHERE o.deleted_at IS NULL AND f.deleted_at IS NULL
  ) WHERE at IS NOT NULL AND at < '2014-12-31 16:00:00' GROUP BY project_code
),
approved AS (
  SELECT DISTINCT f.project_code, m.stage FROM filings f JOIN matters m ON m.code = f.matter_code
  WHERE f.deleted_at IS NULL AND f.status = 'APPROVED' AND f.completed_at < '2014-12-31 16:00:00'
)
SELECT p.district, count(*) FROM projects p LEFT JOIN activity a ON a.code = p.code
WHERE p.deleted_at IS NULL AND coalesce(a.at, p.registered_at) < '2014-10-30 16:00:00'
  AND p.code NOT IN (SELECT project_code FROM approved
                     WHERE stage IN ('COMPLETION_ACCEPTANCE', 'CONSTRUCTION_PERMIT'))
  AND NOT (EXISTS (SELECT 1 FROM filings f WHERE f.project_code = p.code
                   AND f.deleted_at IS NULL AND f.submitted_at < '2014-12-31 16:00:00')
           AND NOT EXISTS (SELECT 1 FROM filings f WHERE f.project_code = p.code
                   AND f.deleted_at IS NULL AND f.submitted_at < '2014-12-31 16:00:00'
                   AND f.status != 'WITHDRAWN'))
GROUP BY p.district
"""


async def hub_by_district(store: Store) -> dict[Any, int]:
    scope = FilterScope(Supervision(FilingClock(store, standard_calendar()), DEMO_DAY))
    rows = await idle_stats(scope, IdleRule(store).config, [IdleGroup.DISTRICT], None, None, 2)
    return {row.district.code if row.district else None: row.count for row in rows}


async def hub_by_cause(store: Store) -> dict[str, tuple[int, int]]:
    scope = FilterScope(Supervision(FilingClock(store, standard_calendar()), DEMO_DAY))
    rows = await idle_stats(scope, IdleRule(store).config, [IdleGroup.CAUSE], None, None, 2)
    return {row.cause.code: (row.count, row.annotated) for row in rows if row.cause}


async def hand_by_district(store: Store) -> dict[Any, int]:
    async with store.read() as conn:
        return {row[0]: int(row[1]) for row in await conn.execute(text(HAND_WRITTEN))}


async def main(scale: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = await demo_store(Path(folder), scale)
        store = Store(settings.resolve_url(settings.store.url))
        try:
            projects = int(await store.scalar(select(func.count()).select_from(tables.projects)))
            hub_time, hub_answer = await timed(lambda: hub_by_district(store), repeat)
            sql_time, sql_answer = await timed(lambda: hand_by_district(store), repeat)
            assert hub_answer == sql_answer, (hub_answer, sql_answer)
            print(f"demo scale {scale:g}: {projects:,} projects, as of {DEMO_DAY}, 2 months")
            print(
                f"idleStats by district  hub {hub_time * 1000:8.1f} ms | hand-written SQL "
                f"{sql_time * 1000:8.1f} ms (idle set only, no causes) | "
                f"{sum(hub_answer.values())} idle"
            )
            cause_time, by_cause = await timed(lambda: hub_by_cause(store), repeat)
            print(f"idleStats by cause     hub {cause_time * 1000:8.1f} ms | (count, annotated):")
            for cause, (count, annotated) in sorted(by_cause.items()):
                print(f"  {cause:16} {count:5} {annotated:5}")
        finally:
            await store.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.scale, arguments.repeat))
