from __future__ import annotations

from datetime import datetime

import pytest

from hub import tables
from hub.store import Store
from tests.asgi import GraphQLClient, StatementLog
from tests.schema import seed

pytestmark = pytest.mark.anyio

LIST_PAGE = """
query ($first: Int, $filter: ProjectFilter) {
  projects(first: $first, filter: $filter, orderBy: [{field: CODE}]) {
    totalCount
    nodes {
      code
      filings(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { key matter { name } } }
      approved: filings(filter: {status: {eq: APPROVED}}) { totalCount nodes { key } }
    }
  }
  filingStats(groupBy: [DEPARTMENT, STATUS], filter: {project: $filter}) { departmentCode count }
}
"""


async def test_nested_pages_filters_and_aggregates_take_constant_statements(
    store: Store, gql: GraphQLClient, sql_log: StatementLog
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 60)
    with sql_log.recording():
        small = await gql.data(LIST_PAGE, first=2, filter={"district": {"ne": "449999"}})
    few = list(sql_log.selects)
    with sql_log.recording():
        large = await gql.data(LIST_PAGE, first=40, filter={"district": {"ne": "449999"}})
    many = list(sql_log.selects)
    assert len(small["projects"]["nodes"]) == 2 and len(large["projects"]["nodes"]) == 40
    assert len(few) == len(many), (few, many)
    node = large["projects"]["nodes"][0]
    assert node["filings"]["totalCount"] == 2
    assert node["filings"]["pageInfo"]["hasNextPage"] is True
    assert [f["key"] for f in node["filings"]["nodes"]] == ["F000000-1"]  # by submission time
    assert node["approved"] == {"totalCount": 1, "nodes": [{"key": "F000000-1"}]}
    assert {row["departmentCode"]: row["count"] for row in large["filingStats"]} == {
        "FGW": 45,
        "GT": 45,
    }
    # The next page of one project's filings.
    after = node["filings"]["pageInfo"]["endCursor"]
    data = await gql.data(
        """query ($code: String!, $after: String) { project(code: $code) {
             filings(first: 1, after: $after) { pageInfo { hasNextPage } nodes { key } } } }""",
        code=node["code"],
        after=after,
    )
    assert data["project"]["filings"] == {
        "pageInfo": {"hasNextPage": False},
        "nodes": [{"key": "F000000-2"}],
    }


def at(text: str) -> datetime:
    """A China-time wall clock as the naive UTC the store keeps."""
    local = datetime.fromisoformat(text)
    return local.replace(hour=local.hour - 8)


async def test_filing_stats_count_working_days_with_holidays_in_sql(
    store: Store, gql: GraphQLClient
) -> None:
    await seed.seed_catalogue(store)
    code = seed.project_code(1)
    await seed.insert(store, tables.projects, [seed.project(code, category="MUNICIPAL")])
    filing = seed.filing
    await seed.insert(
        store,
        tables.filings,
        [
            # 2014 National Day: Oct 1-7 off; the working days after Sep 30 are Oct 8 and 9.
            filing(
                "A",
                code,
                "FGW-001",
                status="APPROVED",
                time_limit_days=1,
                accepted_at=at("2014-09-30T10:00"),
                completed_at=at("2014-10-09T10:00"),
            ),
            # Sunday Sep 28 2014 was a make-up working day (调休): Fri -> Mon is 2 days.
            filing(
                "B",
                code,
                "FGW-001",
                status="REJECTED",
                time_limit_days=5,
                accepted_at=at("2014-09-26T10:00"),
                completed_at=at("2014-09-29T10:00"),
            ),
            # Accepted at 23:30 China time on Mar 3 (15:30 UTC): the same day, 0 days.
            filing(
                "C",
                code,
                "GT-001",
                status="APPROVED",
                department_code="GT",
                accepted_at=at("2014-03-03T23:30"),
                completed_at=at("2014-03-03T23:50"),
            ),
            filing("D", code, "GT-001", status="IN_PROGRESS", accepted_at=at("2014-10-31T12:00")),
            filing("E", code, "ZJ-001", status="SUBMITTED", submitted_at=at("2014-11-01T12:00")),
        ],
    )
    data = await gql.data(
        """{ byDept: filingStats(groupBy: [DEPARTMENT]) {
               departmentCode department { shortName } count completed inProgress approved
               rejected overdue completedLate minProcessingDays avgProcessingDays maxProcessingDays }
             byMonth: filingStats(groupBy: [MONTH, STAGE, CATEGORY, MONTH], filter: {status: {ne: APPROVED}}) {
               month stage category count departmentCode }
             total: filingStats(groupBy: []) { count completed maxProcessingDays }
             projects: projectStats(groupBy: [CATEGORY, DISTRICT]) {
               category district { code name } count completed inProgress totalInvestment } }"""
    )
    fgw, gt, zj = data["byDept"]
    assert fgw == {
        "departmentCode": "FGW",
        "department": {"shortName": "发改委"},
        "count": 2,
        "completed": 2,
        "inProgress": 0,
        "approved": 1,
        "rejected": 1,
        "overdue": 0,
        "completedLate": 1,
        "minProcessingDays": 2,
        "avgProcessingDays": 2.0,
        "maxProcessingDays": 2,
    }
    assert (gt["count"], gt["inProgress"], gt["minProcessingDays"], gt["maxProcessingDays"]) == (
        2,
        1,
        0,
        0,
    )
    assert (zj["departmentCode"], zj["count"], zj["avgProcessingDays"]) == ("ZJ", 1, None)
    assert data["byMonth"] == [
        {
            "month": "2014-09",
            "stage": "LAND_PLANNING",
            "category": "MUNICIPAL",
            "count": 1,
            "departmentCode": None,
        },
        {
            "month": "2014-10",
            "stage": "LAND_PLANNING",
            "category": "MUNICIPAL",
            "count": 1,
            "departmentCode": None,
        },
        {
            "month": "2014-11",
            "stage": "CONSTRUCTION_PERMIT",
            "category": "MUNICIPAL",
            "count": 1,
            "departmentCode": None,
        },
    ]
    assert data["total"] == [{"count": 5, "completed": 3, "maxProcessingDays": 2}]
    assert data["projects"] == [
        {
            "category": "MUNICIPAL",
            "district": {"code": "440304", "name": "福田区"},
            "count": 1,
            "completed": 0,
            "inProgress": 1,
            "totalInvestment": 12345.5,
        }
    ]
