from __future__ import annotations

import logging

import pytest
from sqlalchemy import update

from hub import tables
from hub.store import Store
from tests.asgi import GraphQLClient, StatementLog
from tests.schema import seed

pytestmark = pytest.mark.anyio

PORTAL_PAGE = """
query Portal($first: Int) {
  projects(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      code name district { name }
      filings { nodes {
        key status submittedAt
        matter { code name department { code name } }
        events { step occurredAt }
        outcome { documentNumber issuedAt }
      } }
      outcomes { key decision }
    } }
  }
}
"""


async def test_statement_count_does_not_grow_with_the_page(
    store: Store, gql: GraphQLClient, sql_log: StatementLog
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 120)

    with sql_log.recording() as one:
        small = await gql.data(PORTAL_PAGE, first=1)
    one_selects = sql_log.selects
    with sql_log.recording() as hundred:
        large = await gql.data(PORTAL_PAGE, first=100)
    hundred_selects = sql_log.selects

    assert len(small["projects"]["edges"]) == 1
    assert len(large["projects"]["edges"]) == 100
    node = large["projects"]["edges"][99]["node"]
    assert [f["matter"]["department"]["code"] for f in node["filings"]["nodes"]] == ["FGW", "GT"]
    assert [len(f["events"]) for f in node["filings"]["nodes"]] == [3, 1]
    assert node["filings"]["nodes"][0]["outcome"]["documentNumber"]
    assert len(node["outcomes"]) == 1
    # page, count, filings, matters, departments, events, outcome by filing, outcomes by
    # project, and the districts' divisions
    assert len(one) == len(hundred), (one, hundred)
    assert len(one_selects) == len(hundred_selects) == 9, hundred_selects


async def test_project_by_code_shows_every_field(store: Store, gql: GraphQLClient) -> None:
    codes = await seed.seed_all(store)
    data = await gql.data(
        """
        query ($code: String!) { project(code: $code) {
          code name category funding owner { name creditCode } district { code name }
          totalInvestment registeredAt status
          provenance { connector sourceKey syncedAt }
          filings { nodes { key projectCode status submittedAt acceptedAt completedAt
                    timeLimitDays materials department { code } project { code }
                    events { key step division actor occurredAt opinion }
                    outcome { key } } }
          outcomes { key decision documentType documentNumber issuedAt validUntil issuer holder
                     attributes filing { key } provenance { sourceKey } }
        } }
        """,
        code=codes[1],
    )
    project = data["project"]
    assert project["code"] == codes[1]
    assert project["category"] == "BUILDING"
    assert project["funding"] == "GOVERNMENT"
    assert project["owner"] == {"name": "深圳市建筑工务署", "creditCode": "11440300MB2C39106K"}
    assert project["district"] == {"code": "440304", "name": "福田区"}
    assert project["totalInvestment"] == 12345.5
    assert project["registeredAt"] == "2014-03-01"  # a Date: the day in China
    assert project["status"] == "UNDER_APPROVAL"
    assert project["provenance"] == {
        "connector": "seed",
        "sourceKey": codes[1],
        "syncedAt": "2026-01-05T08:00:00+00:00",
    }
    first, second = project["filings"]["nodes"]
    assert [first["key"], second["key"]] == ["F000001-1", "F000001-2"]  # by submission time
    assert first["acceptedAt"] == "2014-03-02T03:30:00+00:00"
    assert first["materials"] == ["申请表", "立项批复"]
    assert first["department"] == {"code": "FGW"}
    assert second["department"] == {"code": "GT"}  # from its matter
    assert first["project"] == {"code": codes[1]}
    assert [e["step"] for e in first["events"]] == ["ACCEPT", "REVIEW", "COMPLETE"]
    assert first["events"][0]["occurredAt"] == "2014-03-02T01:30:00+00:00"
    assert first["outcome"] == {"key": "O000001-1"}
    assert second["outcome"] is None
    (outcome,) = project["outcomes"]
    assert outcome["validUntil"] == "2016-03-01"
    assert outcome["attributes"] == {"floorArea": 1200.5}
    assert outcome["filing"] == {"key": "F000001-1"}


async def test_outcomes_found_through_their_filing_and_unknown_district(
    store: Store, gql: GraphQLClient
) -> None:
    await seed.seed_catalogue(store)
    codes = await seed.seed_projects(store, 4)
    data = await gql.data(
        "query ($code: String!) { project(code: $code) { district { code name } "
        "outcomes { key } } }",
        code=codes[3],
    )
    assert data["project"]["district"] == {"code": "449999", "name": None}
    data = await gql.data(
        "query ($code: String!) { project(code: $code) { outcomes { key } } }", code=codes[0]
    )
    assert data["project"]["outcomes"] == [{"key": "O000000-1"}]  # no project_code of its own


async def test_unknown_project_is_null(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_all(store)
    data = await gql.data('{ project(code: "2099-440300-47-01-000001") { code } }')
    assert data == {"project": None}


async def test_orphan_filing_has_a_code_but_no_project(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_all(store)
    data = await gql.data(
        "{ filings(first: 50) { edges { node { key projectCode project { code } } } } }"
    )
    nodes = {e["node"]["key"]: e["node"] for e in data["filings"]["edges"]}
    assert nodes["F-ORPHAN"] == {
        "key": "F-ORPHAN",
        "projectCode": seed.ORPHAN_PROJECT,
        "project": None,
    }
    assert nodes["F-OF-DELETED"]["project"] is None
    assert nodes["F000000-1"]["project"] == {"code": seed.project_code(0)}


async def test_deleted_rows_are_hidden_everywhere(store: Store, gql: GraphQLClient) -> None:
    codes = await seed.seed_all(store)
    data = await gql.data(
        """
        query ($deleted: String!, $code: String!) {
          gone: project(code: $deleted) { code }
          projects { totalCount edges { node { code } } }
          filings(first: 100) { totalCount edges { node { key } } }
          project(code: $code) { filings { nodes { key events { key } } } outcomes { key } }
          departments { code }
          matters { code prerequisites { code } }
        }
        """,
        deleted=seed.DELETED_PROJECT,
        code=codes[0],
    )
    assert data["gone"] is None
    assert [e["node"]["code"] for e in data["projects"]["edges"]] == codes
    assert data["projects"]["totalCount"] == 3
    filing_keys = [e["node"]["key"] for e in data["filings"]["edges"]]
    assert "F-DELETED" not in filing_keys
    assert data["filings"]["totalCount"] == len(filing_keys) == 3 * 2 + 2
    project = data["project"]
    assert [f["key"] for f in project["filings"]["nodes"]] == ["F000000-1", "F000000-2"]
    assert "E-DELETED" not in [e["key"] for f in project["filings"]["nodes"] for e in f["events"]]
    assert [o["key"] for o in project["outcomes"]] == ["O000000-1"]
    assert [d["code"] for d in data["departments"]] == ["FGW", "GT", "ZJ"]
    matters = {m["code"]: m for m in data["matters"]}
    assert sorted(matters) == ["FGW-001", "GT-001", "ZJ-001"]
    assert matters["ZJ-001"]["prerequisites"] == [{"code": "GT-001"}, {"code": "FGW-001"}]


async def test_departments_and_matters(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_catalogue(store)
    data = await gql.data(
        """
        {
          departments { code name creditCode shortName matters { code } }
          land: matters(stage: LAND_PLANNING) { code stage timeLimitClass timeLimitDays }
          zj: matters(department: "ZJ") { code name department { shortName } }
        }
        """
    )
    fgw = data["departments"][0]
    assert fgw == {
        "code": "FGW",
        "name": "深圳市发展和改革委员会",
        "creditCode": "11440300MB2C2123XK",
        "shortName": "发改委",
        "matters": [{"code": "FGW-001"}],
    }
    assert data["land"] == [
        {
            "code": "FGW-001",
            "stage": "LAND_PLANNING",
            "timeLimitClass": "ORDINARY",
            "timeLimitDays": 10,
        },
        {
            "code": "GT-001",
            "stage": "LAND_PLANNING",
            "timeLimitClass": "COMPLEX",
            "timeLimitDays": 20,
        },
    ]
    assert data["zj"] == [
        {"code": "ZJ-001", "name": "建筑工程施工许可", "department": {"shortName": "住建局"}}
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 501", "first must be at most 500 (the server's max page size); got 501"),
        ("first: -1", "first must be zero or more; got -1"),
        ('after: "not a cursor"', "invalid cursor 'not a cursor'"),
    ],
)
async def test_bad_page_arguments_are_clear_errors(
    store: Store, gql: GraphQLClient, arguments: str, message: str
) -> None:
    (error,) = await gql.errors(f"{{ projects({arguments}) {{ totalCount }} }}")
    assert error["message"].startswith(message)
    assert error["path"] == ["projects"]
    assert "Traceback" not in str(error)


async def test_a_cursor_of_another_connection_is_invalid(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_all(store)
    data = await gql.data("{ filings(first: 1) { pageInfo { endCursor } } }")
    cursor = data["filings"]["pageInfo"]["endCursor"]
    (error,) = await gql.errors(
        "query ($after: String) { projects(after: $after) { totalCount } }", after=cursor
    )
    assert error["message"].startswith("invalid cursor")
    assert error["extensions"] == {"code": "INVALID_CURSOR"}


async def test_unexpected_errors_are_masked(
    store: Store, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    await seed.seed_all(store)
    async with store.write() as conn:  # a value no enum member has: from_row fails
        await conn.execute(
            update(tables.filings).where(tables.filings.c.key == "F000000-1").values(status="BOGUS")
        )
    with caplog.at_level(logging.ERROR):
        response = await gql.http.post(
            "/graphql", json={"query": "{ filings { edges { node { key status } } } }"}
        )
    body = response.json()
    request_id = response.headers["x-request-id"]
    (error,) = body["errors"]
    assert error["message"] == f"Internal server error. Quote request id {request_id}."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert set(error) <= {"message", "locations", "path", "extensions"}
    assert "BOGUS" not in str(body) and "SELECT" not in str(body)
    assert request_id in caplog.text  # the server log names the request
    assert "BOGUS" in caplog.text  # the server log keeps the original


async def test_validation_errors_keep_their_message(store: Store, gql: GraphQLClient) -> None:
    (error,) = await gql.errors("{ projects { nope } }")
    assert "Cannot query field 'nope'" in error["message"]
