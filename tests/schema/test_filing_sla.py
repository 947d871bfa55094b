"""``Filing.sla``, the ``sla`` filter and ``filingStats`` as of a day: the statements of a request
do not grow with its result (the clocks of a page are one statement)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from hub import tables
from hub.sla import cutoff
from hub.store import Store
from tests.asgi import GraphQLClient, StatementLog
from tests.schema import seed

pytestmark = pytest.mark.anyio

PAGE = """
query ($first: Int) {
  filings(first: $first, filter: {sla: {asOf: "2014-12-31", state: {ne: UNKNOWN}}}) {
    totalCount
    nodes {
      key
      sla(asOf: "2014-12-31") { state dueOn elapsedWorkingDays currentStep }
      later: sla(asOf: "2015-06-30") { state }
    }
  }
  filingStats(groupBy: [DEPARTMENT, SLA_STATE], asOf: "2014-12-31") {
    departmentCode slaState count overdue
  }
}
"""


async def test_sla_statements_do_not_grow_with_the_page(
    store: Store, gql: GraphQLClient, sql_log: StatementLog
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 30)
    with sql_log.recording():
        small = await gql.data(PAGE, first=2)
    few = list(sql_log.selects)
    with sql_log.recording():
        large = await gql.data(PAGE, first=50)
    many = list(sql_log.selects)
    assert len(small["filings"]["nodes"]) == 2 and len(large["filings"]["nodes"]) == 50
    assert len(few) == len(many), (few, many)
    states = {node["sla"]["state"] for node in large["filings"]["nodes"]}
    assert states and "UNKNOWN" not in states
    total = sum(row["count"] for row in large["filingStats"])
    assert total == large["filings"]["totalCount"] + sum(
        row["count"] for row in large["filingStats"] if row["slaState"] == "UNKNOWN"
    )


async def test_grouping_by_step_counts_each_filing_once_in_each_step_it_passed(
    store: Store, gql: GraphQLClient
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 10)
    data = await gql.data(
        '{ filingStats(groupBy: [STEP], asOf: "2014-12-31") { step count } '
        'all: filingStats(groupBy: [], asOf: "2014-12-31") { count } }'
    )
    e = tables.process_events
    async with store.read() as conn:
        pairs = (
            await conn.execute(
                select(e.c.filing_key, e.c.step)
                .where(e.c.deleted_at.is_(None), e.c.occurred_at < cutoff(date(2014, 12, 31)))
                .distinct()
            )
        ).all()
    expected = Counter(step for _, step in pairs)
    found = {row["step"]: row["count"] for row in data["filingStats"] if row["step"]}
    assert found == dict(expected) and found
    without_steps = sum(row["count"] for row in data["filingStats"] if row["step"] is None)
    assert without_steps == data["all"][0]["count"] - len({key for key, _ in pairs})
