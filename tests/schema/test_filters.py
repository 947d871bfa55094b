from __future__ import annotations

from datetime import timedelta

import pytest

from hub import tables
from hub.store import Store
from tests.asgi import GraphQLClient
from tests.schema import seed

pytestmark = pytest.mark.anyio

CODES = """
query ($filter: ProjectFilter, $orderBy: [ProjectOrder!], $first: Int, $after: String) {
  projects(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { code }
  }
}
"""


async def codes(gql: GraphQLClient, **variables: object) -> list[str]:
    data = await gql.data(CODES, **variables)
    return [node["code"] for node in data["projects"]["nodes"]]


def p(i: int) -> str:
    return seed.project_code(i)


async def test_field_operators_logic_and_relations_become_sql(
    store: Store, gql: GraphQLClient
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 8)  # districts cycle 440303, 440304, 440305, 449999
    await seed.insert(
        store,
        tables.projects,
        [
            seed.project(
                p(20),
                name="南山区人民医院改扩建工程",
                owner_name="深圳市南山区卫生局",
                owner_credit_code="11440305MB2C00000X",
                total_investment=None,
                district="440306",
                category="MUNICIPAL",
            ),
            seed.project(p(21), name="100%_达标工程", district=None, status="COMPLETED"),
        ],
    )
    # One filing of project 3 for ZJ-001 that is SUPPLEMENT.
    await seed.insert(
        store, tables.filings, [seed.filing("F-Z", p(3), "ZJ-001", status="SUPPLEMENT")]
    )
    everything = [*(p(i) for i in range(8)), p(20), p(21)]
    assert await codes(gql, first=50) == everything
    cases: list[tuple[dict, list[str]]] = [
        ({"district": {"eq": "440304"}}, [p(1), p(5)]),
        ({"district": {"in": ["440303", "440305"]}}, [p(0), p(2), p(4), p(6)]),
        ({"district": {"isNull": True}}, [p(21)]),
        ({"district": {"ne": "440303", "isNull": False}, "code": {"lt": p(4)}}, [p(1), p(2), p(3)]),
        ({"name": {"contains": "医院"}}, [p(20)]),
        ({"name": {"contains": "100%_"}}, [p(21)]),  # LIKE wildcards are literal
        ({"code": {"startsWith": "2014-440300-47-01-00002"}}, [p(20), p(21)]),
        ({"totalInvestment": {"gt": 1}, "category": {"eq": "MUNICIPAL"}}, []),
        ({"totalInvestment": {"isNull": True}}, [p(20)]),
        ({"status": {"in": ["COMPLETED"]}}, [p(21)]),
        ({"registeredAt": {"gte": "2014-03-01"}}, everything),
        ({"registeredAt": {"gt": "2014-03-01"}}, []),
        ({"registeredAt": {"eq": "2014-03-01"}}, everything),
        ({"or": [{"district": {"eq": "440304"}}, {"code": {"eq": p(0)}}]}, [p(0), p(1), p(5)]),
        ({"or": []}, []),
        ({"and": [{"district": {"eq": "440304"}}, {"not": {"code": {"eq": p(1)}}}]}, [p(5)]),
        ({"not": {"district": {"isNull": False}}}, [p(21)]),
        ({"search": "南山区卫生"}, [p(20)]),
        ({"search": "11440305mb2c00000x"}, [p(20)]),
        ({"search": "2014-440300-47-01-00000"}, [p(i) for i in range(8)]),
        # Projects that have a filing for matter ZJ-001 with status SUPPLEMENT.
        (
            {"hasFiling": {"matterCode": {"eq": "ZJ-001"}, "status": {"eq": "SUPPLEMENT"}}},
            [p(3)],
        ),
        (
            {"hasFiling": {"departmentCode": {"eq": "GT"}}, "district": {"eq": "440305"}},
            [p(2), p(6)],
        ),
        ({"hasFiling": {"stage": {"eq": "CONSTRUCTION_PERMIT"}}}, [p(3)]),
    ]
    for given, expected in cases:
        assert await codes(gql, filter=given, first=50) == expected, given
    # Filings whose project is in district 440304 and that have an approved outcome.
    data = await gql.data(
        """{ filings(first: 50, filter: {project: {district: {eq: "440304"}},
                                         outcome: {decision: {eq: APPROVED}}}) {
               totalCount nodes { key } } }"""
    )
    assert [n["key"] for n in data["filings"]["nodes"]] == ["F000001-1", "F000005-1"]
    assert data["filings"]["totalCount"] == 2
    events = await gql.data(
        f"""{{ processEvents(first: 5, filter: {{step: {{eq: REVIEW}}, filing: {{projectCode: {{eq: "{p(2)}"}}}}}})
               {{ nodes {{ key }} }}
             outcomes(filter: {{filing: {{status: {{eq: APPROVED}}}}, projectCode: {{isNull: true}}}})
               {{ totalCount }} }}"""
    )
    assert events["processEvents"]["nodes"] == [{"key": "F000002-1-REVIEW"}]
    assert events["outcomes"]["totalCount"] == 4  # even-numbered projects: linked by filing only


async def test_ordering_by_several_fields_pages_exactly(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_projects(store, 9)
    order = [{"field": "DISTRICT", "direction": "DESC"}, {"field": "CODE", "direction": "DESC"}]
    seen: list[str] = []
    after = None
    while True:
        data = (await gql.data(CODES, orderBy=order, first=2, after=after))["projects"]
        seen += [n["code"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        if len(seen) == 4:  # a row inserted between pages, before and after the cursor
            await seed.insert(
                store,
                tables.projects,
                [
                    seed.project(
                        p(30),
                        district="440304",
                        registered_at=(seed.DAY0 + timedelta(days=1)).date(),
                    )
                ],
            )
    by_district = {"440303": [0, 4, 8], "440304": [1, 5, 30], "440305": [2, 6], "449999": [3, 7]}
    expected = [
        p(i)
        for d in sorted(by_district, reverse=True)
        for i in sorted(by_district[d], reverse=True)
    ]
    assert seen == [c for c in expected if c != p(30)] or seen == expected
    assert len(seen) == len(set(seen))
    # A cursor of another ordering is refused.
    (error,) = await gql.errors(CODES, first=2, after=after)
    assert error["extensions"]["code"] == "INVALID_CURSOR"


@pytest.mark.parametrize(
    ("filter_text", "message"),
    [
        ("{status: {eq: NOPE}}", "Value 'NOPE' does not exist in 'ProjectStatus' enum"),
        ('{district: {eq: "44"}}', "'44' is not a district code"),
        ('{nope: {eq: "x"}}', "'ProjectFilter' not to include unknown field 'nope'"),
    ],
)
async def test_filters_on_unknown_values_are_clear_errors(
    store: Store, gql: GraphQLClient, filter_text: str, message: str
) -> None:
    (error,) = await gql.errors(f"{{ projects(filter: {filter_text}) {{ totalCount }} }}")
    assert message in error["message"]
    assert error["extensions"]["code"] in {"GRAPHQL_VALIDATION_FAILED", "BAD_FILTER"}
