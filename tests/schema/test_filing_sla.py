"""``Filing.sla``, the ``sla`` filter and ``filingStats`` as of a day: the statements of a request
do not grow with its result (the clocks of a page are one statement)."""

from __future__ import annotations

import pytest

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
