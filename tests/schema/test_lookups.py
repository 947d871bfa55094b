"""The conventions clients expect of the graph: root types Query/Mutation/Subscription, the Relay
``Node`` interface with global ids and ``node(id:)``, and point lookups by key."""

from __future__ import annotations

import base64

import pytest

from hub.store import Store
from schema import build_schema
from tests.asgi import GraphQLClient, StatementLog
from tests.schema import seed

pytestmark = pytest.mark.anyio

IDS = """{ project(code: "2014-440300-47-01-000001") { id code
             filings { nodes { id key events { id } outcome { id } department { id } } } } }"""


def test_the_root_types_have_the_conventional_names() -> None:
    schema = build_schema()
    graphql = schema._schema
    assert graphql.query_type is not None and graphql.query_type.name == "Query"
    assert graphql.mutation_type is not None and graphql.mutation_type.name == "Mutation"
    assert graphql.subscription_type is not None
    assert graphql.subscription_type.name == "Subscription"
    assert "ChangesMutation" not in schema.as_str()


async def test_every_entity_has_a_global_id_that_node_refetches(
    store: Store, gql: GraphQLClient, sql_log: StatementLog
) -> None:
    await seed.seed_all(store)
    project = (await gql.data(IDS))["project"]
    assert base64.b64decode(project["id"]).decode() == f"Project:{project['code']}"
    filing = project["filings"]["nodes"][0]
    ids = {
        "Project": project["id"],
        "Filing": filing["id"],
        "ProcessEvent": filing["events"][0]["id"],
        "Outcome": filing["outcome"]["id"],
        "Department": filing["department"]["id"],
    }
    query = """query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id
                 ... on Project { code } ... on Filing { key } ... on Outcome { documentNumber }
                 ... on ProcessEvent { step } ... on Department { name } } }"""
    missing = base64.b64encode(b"Filing:NO-SUCH").decode()
    with sql_log.recording():
        nodes = (await gql.data(query, ids=[*ids.values(), missing]))["nodes"]
    # One statement per type, whatever the number of ids.
    assert len(sql_log.selects) == len(ids)
    assert [n and n["__typename"] for n in nodes] == [*ids, None]
    assert [n["id"] for n in nodes[:-1]] == list(ids.values())
    assert nodes[0]["code"] == project["code"] and nodes[1]["key"] == filing["key"]
    assert nodes[4]["name"] == "深圳市发展和改革委员会"
    one = await gql.data("query ($id: ID!) { node(id: $id) { id } }", id=ids["Outcome"])
    assert one["node"] == {"id": ids["Outcome"]}
    for bad in ("nonsense", base64.b64encode(b"Permit:1").decode()):
        errors = await gql.errors("query ($id: ID!) { node(id: $id) { id } }", id=bad)
        assert errors[0]["extensions"]["code"] == "INVALID_ID"
        assert "Project, Filing" in errors[0]["message"]


async def test_point_lookups_by_key(store: Store, gql: GraphQLClient) -> None:
    await seed.seed_all(store)
    data = await gql.data(
        """{ filing(key: "F000001-1") { key status }
             none: filing(key: "NO-SUCH") { key }
             deleted: filing(key: "F-DELETED") { key }
             processEvent(key: "F000001-1-REVIEW") { step }
             department(code: "GT") { name }
             matter(code: "ZJ-001") { timeLimitDays }
             outcome(key: "O000002-1") { key }
             byNumber: outcome(documentNumber: "深发改〔2014〕O000001-1号") { key issuedAt } }"""
    )
    assert data == {
        "filing": {"key": "F000001-1", "status": "APPROVED"},
        "none": None,
        "deleted": None,
        "processEvent": {"step": "REVIEW"},
        "department": {"name": "深圳市规划和国土资源委员会"},
        "matter": {"timeLimitDays": 1},
        "outcome": {"key": "O000002-1"},
        "byNumber": {"key": "O000001-1", "issuedAt": "2014-03-06"},
    }
    errors = await gql.errors('{ outcome(key: "a", documentNumber: "b") { key } }')
    assert "exactly one of key and documentNumber" in errors[0]["message"]
