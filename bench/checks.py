"""A full data-check pass (``hub.checks``) on the demo at a scale, beside a hand-written SQL
equivalent of every rule in the same run; both must find the same number per rule.

The pass is the runner's steady state (every finding already stored: the rules' statements,
the read of the open findings and the bookkeeping). Its statement count is printed for the
demo's findings and again after 500 more violations are planted by hand: it does not grow with
the result.

    python -m bench.checks --scale 10
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bench.graph_demo import demo_store
from bench.supervision import timed
from hub.changelog import ChangeLog
from hub.checks.runner import DataChecks
from hub.config import HubConfig
from hub.store import Store

DEMO_DAY = date(2014, 12, 31)
LIVE = "deleted_at IS NULL"


def hand_written(config: HubConfig) -> dict[str, str]:
    """Each rule as one plain SQLite statement counting its findings."""
    permits = ", ".join(f"'{m}'" for m in config.checks.construction_permit_matters)
    acceptances = ", ".join(f"'{m}'" for m in config.checks.completion_acceptance_matters)
    approved = (
        "EXISTS (SELECT 1 FROM filings g WHERE g.project_code = p.code AND g.{live} "
        "AND g.status = 'APPROVED' AND g.matter_code IN ({codes}))"
    )
    return {
        "unknown_matter_code": f"""
            SELECT count(*) FROM filings f WHERE f.{LIVE}
            AND NOT EXISTS (SELECT 1 FROM matters m WHERE m.code = f.matter_code AND m.{LIVE})""",
        "unknown_department_code": f"""
            SELECT count(*) FROM filings f WHERE f.{LIVE} AND f.department_code IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM departments d
                            WHERE d.code = f.department_code AND d.{LIVE})""",
        "filing_before_project": f"""
            SELECT count(*) FROM filings f JOIN projects p ON p.code = f.project_code AND p.{LIVE}
            WHERE f.{LIVE} AND f.submitted_at < p.registered_at""",
        "events_out_of_order": f"""
            SELECT count(*) FROM filings f WHERE f.{LIVE} AND (
              f.accepted_at < f.submitted_at OR f.completed_at < f.accepted_at
              OR EXISTS (SELECT 1 FROM process_events e WHERE e.filing_key = f.key AND e.{LIVE}
                AND e.step IN ('SUPPLEMENT_RECEIVED', 'SPECIAL_PROCEDURE_ENDED')
                AND NOT EXISTS (SELECT 1 FROM process_events s
                  WHERE s.filing_key = f.key AND s.{LIVE} AND s.occurred_at <= e.occurred_at
                  AND s.step = CASE e.step WHEN 'SUPPLEMENT_RECEIVED' THEN 'SUPPLEMENT_REQUESTED'
                                ELSE 'SPECIAL_PROCEDURE_STARTED' END)))""",
        "status_contradicts_outcome": f"""
            SELECT count(*) FROM filings f WHERE f.{LIVE} AND (
              (f.status = 'APPROVED' AND NOT EXISTS (SELECT 1 FROM outcomes o
                 WHERE o.filing_key = f.key AND o.{LIVE} AND o.decision = 'APPROVED'))
              OR (f.status IN ('SUBMITTED', 'ACCEPTED', 'IN_PROGRESS', 'SUPPLEMENT')
                  AND EXISTS (SELECT 1 FROM outcomes o
                              WHERE o.filing_key = f.key AND o.{LIVE})))""",
        "project_status_contradicts_permits": f"""
            SELECT count(*) FROM projects p WHERE p.{LIVE} AND (
              (p.status IN ('UNDER_CONSTRUCTION', 'COMPLETED')
               AND NOT {approved.format(live=LIVE, codes=permits)})
              OR (p.status = 'COMPLETED'
                  AND NOT {approved.format(live=LIVE, codes=acceptances)}))""",
        "prerequisite_violation": f"""
            WITH pairs AS (SELECT m.code AS matter, j.value AS required
                           FROM matters m, json_each(m.prerequisites) j WHERE m.{LIVE}),
            uses AS (SELECT f.key, f.project_code, p.required, f.accepted_at AS used
                     FROM filings f JOIN pairs p ON p.matter = f.matter_code
                     WHERE f.{LIVE} AND f.accepted_at IS NOT NULL)
            SELECT count(DISTINCT u.key) FROM uses u WHERE NOT EXISTS (
              SELECT 1 FROM filings g JOIN outcomes o ON o.filing_key = g.key
              WHERE g.project_code = u.project_code AND g.matter_code = u.required
              AND g.{LIVE} AND o.{LIVE} AND o.decision = 'APPROVED'
              AND coalesce(o.issued_at, u.used) <= u.used
              AND (o.valid_until IS NULL OR u.used < datetime(o.valid_until, '+16 hours')))""",
        "duplicate_document_number": f"""
            SELECT count(*) FROM outcomes o WHERE o.{LIVE} AND o.document_number IN (
              SELECT document_number FROM outcomes WHERE {LIVE} AND document_number IS NOT NULL
              GROUP BY document_number HAVING count(*) > 1)""",
    }


async def main(scale: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = await demo_store(Path(folder), scale)
        store = Store(config.resolve_url(config.store.url))
        try:
            checks = DataChecks(ChangeLog(store), config, business_day=lambda: DEMO_DAY)
            first = await checks.run()  # stores the findings; the timed passes keep them
            statements: list[str] = []

            def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                statements.append(statement)

            async def hub_pass() -> Counter[str]:
                return (await checks.run()).open

            async def sql_pass() -> Counter[str]:
                found: Counter[str] = Counter()
                async with store.read() as conn:
                    for rule, sql in hand_written(config).items():
                        found[rule] = int((await conn.execute(text(sql))).scalar_one())
                return +found

            event.listen(store.engine.sync_engine, "before_cursor_execute", count)
            hub_time, hub_found = await timed(hub_pass, repeat)
            per_pass = len(statements) // repeat
            event.remove(store.engine.sync_engine, "before_cursor_execute", count)
            sql_time, sql_found = await timed(sql_pass, repeat)
            hub_found.pop("stale_source", None)  # config-driven: no SQL to compare
            assert hub_found == sql_found, (hub_found, sql_found)
            print(f"demo scale {scale:g}: {sum(first.open.values())} findings, as of {DEMO_DAY}")
            for label, seconds, count_of in (
                ("full data-check pass (hub)    ", hub_time, per_pass),
                ("hand-written SQL, same answers", sql_time, len(sql_found)),
            ):
                print(f"  {label} {seconds * 1000:8.1f} ms  {count_of} statements")
            async with store.write() as conn:  # 500 more violations: unknown matter codes
                await conn.execute(
                    text(
                        "UPDATE filings SET matter_code = 'XXX-' || key WHERE key IN "
                        "(SELECT key FROM filings ORDER BY key LIMIT 500)"
                    )
                )
            await checks.run()
            statements.clear()
            event.listen(store.engine.sync_engine, "before_cursor_execute", count)
            more = await checks.run()
            event.remove(store.engine.sync_engine, "before_cursor_execute", count)
            print(
                f"  after 500 more violations: {sum(more.open.values())} findings, "
                f"{len(statements)} statements"
            )
        finally:
            await store.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.scale, arguments.repeat))
