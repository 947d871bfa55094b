"""Prefetched levels (schema.prefetch): a page's children load where the page loads, and answer
exactly as the DataLoader path does, in as many statements, whatever the page size."""

from __future__ import annotations

from typing import Any

import pytest

from hub.store import Store
from tests.asgi import GraphQLClient, StatementLog
from tests.schema import seed

pytestmark = pytest.mark.anyio

FILING = """
fragment FilingFields on Filing {
  key status
  matter { code name }
  events { key step }
  outcome { key documentNumber }
}
"""

# Prefetched: projects -> filings (aliases, a fragment, edges and nodes, variables) -> children.
PREFETCHED = (
    FILING
    + """
query ($first: Int, $inner: Int, $status: FilingStatus) {
  projects(first: $first, orderBy: [{field: CODE}]) {
    edges { node {
      code
      ... on Project {
        recent: filings(first: $inner) { nodes { ...FilingFields } }
      }
      picked: filings(filter: {status: {eq: $status}}) {
        totalCount
        edges { cursor node { ...FilingFields } }
      }
    } }
  }
}
"""
)

# Not prefetched: the same project fields reached through filings' project (DataLoader path).
THROUGH_LOADERS = (
    FILING
    + """
query ($inner: Int, $status: FilingStatus) {
  filings(first: 500, orderBy: [{field: KEY}]) { nodes { project {
    code
    recent: filings(first: $inner) { nodes { ...FilingFields } }
    picked: filings(filter: {status: {eq: $status}}) {
      totalCount
      edges { cursor node { ...FilingFields } }
    }
  } } }
}
"""
)


def _by_code(projects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {project["code"]: project for project in projects}


async def test_prefetched_levels_answer_as_loaders_do_in_constant_statements(
    store: Store, gql: GraphQLClient, sql_log: StatementLog
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 30)
    variables = {"inner": 1, "status": "APPROVED"}

    with sql_log.recording():
        small = await gql.data(PREFETCHED, first=2, **variables)
    few = list(sql_log.selects)
    with sql_log.recording():
        large = await gql.data(PREFETCHED, first=30, **variables)
    many = list(sql_log.selects)
    # projects page, then per filings field: page, matters, events, outcomes (none for rows
    # an earlier field already loaded); one count
    assert len(few) == len(many) <= 10, many

    loaded = await gql.data(THROUGH_LOADERS, **variables)
    through = _by_code([node["project"] for node in loaded["filings"]["nodes"]])
    prefetched = _by_code([edge["node"] for edge in large["projects"]["edges"]])
    assert len(prefetched) == 30
    assert prefetched == {code: through[code] for code in prefetched}
    first = prefetched[min(prefetched)]
    assert first["recent"]["nodes"][0]["matter"]["name"]
    assert len(first["recent"]["nodes"][0]["events"]) == 3
    assert first["picked"]["totalCount"] == 1
    assert small["projects"]["edges"][0]["node"] == first


async def test_one_project_prefetches_its_filings(
    store: Store, gql: GraphQLClient, sql_log: StatementLog
) -> None:
    await seed.seed_catalogue(store)
    (code,) = await seed.seed_projects(store, 1)
    query = (
        FILING
        + """
    query ($code: String!) { project(code: $code) {
      code filings(first: 5) { nodes { ...FilingFields } } } }"""
    )
    with sql_log.recording():
        data = await gql.data(query, code=code)
    # project, filings page, matters, events, outcomes: as many as through the loaders
    assert len(sql_log.selects) == 5, sql_log.selects
    assert [len(f["events"]) for f in data["project"]["filings"]["nodes"]] == [3, 1]


async def test_bad_nested_arguments_still_fail_at_their_field(
    store: Store, gql: GraphQLClient
) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 2)
    errors = await gql.errors(
        """{ projects(first: 2) { nodes { code
             filings(after: "not-a-cursor") { nodes { key } } } } }"""
    )
    assert {e["extensions"]["code"] for e in errors} == {"INVALID_CURSOR"}
    assert all(e["path"][0] == "projects" and e["path"][-1] == "filings" for e in errors)
    errors = await gql.errors(
        """{ project(code: "x") { code } projects(first: 1) { nodes {
             filings(first: 100000) { nodes { key } } } } }"""
    )
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert errors[0]["path"] == ["projects", "nodes", 0, "filings"]
