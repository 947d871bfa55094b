"""The attacks that took the demo server down, each refused before it runs, quickly, with a
code; and the cost estimate they are refused by."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.store import Store
from tests.asgi import GraphQLClient, StatementLog, serve
from tests.schema.seed import seed_all

pytestmark = pytest.mark.anyio

GRAPHQL_RESPONSE = "application/graphql-response+json"
QUICKLY = 2.0  # seconds; generous, on a shared machine


async def refused(
    gql: GraphQLClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one error of a query refused before execution (HTTP 400), within ``QUICKLY``."""
    started = time.monotonic()
    response = await gql.http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert time.monotonic() - started < QUICKLY
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    return error


def fan_out(levels: int, spreads: int, body: str, on: str = "Project") -> str:
    """``levels`` fragments that each spread the next ``spreads`` times, the last ``body``:
    ``spreads ** levels`` copies of ``body`` once expanded."""
    fragments = [
        f"fragment F{i} on {on} {{ " + " ".join([f"...F{i + 1}"] * spreads) + " }"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on {on} {{ {body} }}")
    return "{ projects { nodes { ...F0 } } } " + " ".join(fragments)


@pytest.fixture
async def seeded(store: Store) -> AsyncIterator[Store]:
    await seed_all(store)
    yield store


async def test_the_fragment_fan_out_is_refused_in_milliseconds(seeded: Store) -> None:
    query = fan_out(10, 10, "code")
    assert len(query) < 1000  # the attack: under a kilobyte
    async with serve(seeded) as gql:
        error = await refused(gql, query)
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        # 20 projects (the default page) of 10**10 codes each, the connection and its nodes.
        assert error["extensions"]["cost"] == 20 * 10**10 + 2
        assert error["extensions"]["maxCost"] == 1_000_000
        assert "estimated cost is 200000000002, over the limit of 1000000" in error["message"]
        # The same chain carrying aliases or nesting is refused as quickly by those limits.
        error = await refused(gql, fan_out(10, 10, "c: code"))
        assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
        assert error["message"] == "10000000000 aliases found. Allowed: 30"
        deep = "filings { nodes { project { code } } }"
        for _ in range(4):  # 15 fields deep, beyond 12
            deep = f"filings {{ nodes {{ project {{ {deep} }} }} }}"
        error = await refused(gql, fan_out(10, 10, deep))
        assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
        # A fan-out small enough is answered: graphql-core merges the repeated spreads.
        data = (await gql.data(fan_out(2, 10, "code")))["projects"]["nodes"]
        assert [p["code"] for p in data] == sorted(p["code"] for p in data) and len(data) == 3


async def test_aliased_aggregates_are_refused_before_any_statement(
    seeded: Store, sql_log: StatementLog
) -> None:
    def aggregates(count: int) -> str:
        return (
            "{ "
            + " ".join(f"s{i}: filingStats(groupBy: []) {{ count }}" for i in range(count))
            + " }"
        )

    async with serve(seeded) as gql:
        with sql_log.recording() as statements:
            error = await refused(gql, aggregates(30))  # within the alias limit (30)
        assert statements == []
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        # Each: the field, 50,000 for its scan, and a default page of rows of one field.
        assert error["extensions"]["cost"] == 30 * (1 + 50_000 + 20)
        data = await gql.data(aggregates(4))
        assert data["s3"] == [{"count": 8}]


@pytest.mark.serial  # it times the refusal
async def test_a_filter_of_ten_thousand_terms_in_variables_is_refused(seeded: Store) -> None:
    query = "query ($f: ProjectFilter) { projects(filter: $f) { totalCount } }"
    terms = [{"code": {"eq": f"2014-440300-47-01-{i:06d}"}} for i in range(10_000)]
    async with serve(seeded) as gql:
        error = await refused(gql, query, {"f": {"or": terms}})
        # The filter, each term and each term's string filter.
        assert error["extensions"] == {
            "code": "FILTER_TOO_LARGE",
            "nodes": 1 + 2 * 10_000,
            "maxNodes": 1000,
        }
        # A list counts its items, written in the query or passed in a variable.
        codes = [f"C{i}" for i in range(1001)]
        listed = "query ($c: [String!]) { projects(filter: {code: {in: $c}}) { totalCount } }"
        error = await refused(gql, listed, {"c": codes})
        assert error["extensions"]["code"] == "FILTER_TOO_LARGE"
        data = await gql.data(query, f={"or": terms[:3]})
        assert data == {"projects": {"totalCount": 3}}
    async with serve(seeded, max_input_nodes=3) as gql:
        inline = '{ projects(filter: {or: [{code: {eq: "a"}}, {code: {eq: "b"}}]}) { totalCount } }'
        error = await refused(gql, inline)
        assert error["extensions"]["nodes"] == 5


async def test_variables_count_toward_the_token_limit(seeded: Store) -> None:
    query = "query ($c: [String!]) { projects(filter: {code: {in: $c}}) { totalCount } }"
    async with serve(seeded, max_tokens=60) as gql:  # the query is 34 tokens
        assert await gql.data(query, c=["x"] * 20) == {"projects": {"totalCount": 0}}
        error = await refused(gql, query, {"c": ["x"] * 50})
        assert error["extensions"] == {"code": "TOO_MANY_TOKENS"}
        assert error["message"] == (
            "the query and its variables have 86 tokens; at most 60 are allowed"
        )


async def test_the_estimate_counts_pages_of_nested_lists(seeded: Store) -> None:
    async def cost(gql: GraphQLClient, query: str, **variables: Any) -> int:
        return (await refused(gql, query, variables))["extensions"]["cost"]

    nested = "query ($n: Int) { projects(first: $n) { nodes { code filings { nodes { key } } } } }"
    async with serve(seeded, max_query_cost=1, max_page_size=100) as gql:
        # projects, nodes, then per project: code, filings, nodes and a page of keys.
        assert await cost(gql, nested, n=3) == 2 + 3 * (3 + 20)
        assert await cost(gql, nested) == 2 + 20 * (3 + 20)  # the default page
        assert await cost(gql, nested, n=10_000) == 2 + 100 * (3 + 20)  # at most the maximum
        # An argument's value counts its nodes: the filter and its string filter.
        assert await cost(gql, '{ projects(filter: {code: {eq: "x"}}) { totalCount } }') == 4
        assert await cost(gql, "{ departments { code matters { code } } }") == 1 + 20 * 22
        # An introspection field costs nothing: GraphiQL's schema query is not refused.
        assert (await gql.data("{ __typename }")) == {"__typename": "Query"}
    async with serve(seeded, max_query_cost=2 + 3 * (3 + 20)) as gql:
        data = await gql.data(nested, n=3)
        assert len(data["projects"]["nodes"]) == 3


async def test_a_body_over_the_size_limit_is_refused_with_413(seeded: Store) -> None:
    padding = "x" * 2000
    payload = json.dumps({"query": "{ __typename }", "variables": {"pad": padding}}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 500):
            yield payload[start : start + 500]

    async with serve(seeded, max_body_bytes=1024) as gql:
        declared = gql.http.post(
            "/graphql", content=payload, headers={"content-type": "application/json"}
        )
        streamed = gql.http.post(  # no content-length: counted as it arrives
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        for sending in (declared, streamed):
            response: httpx.Response = await sending
            assert response.status_code == 413
            assert response.json() == {
                "errors": [
                    {
                        "message": "the request body is larger than 1024 bytes;"
                        " send a smaller query",
                        "extensions": {"code": "REQUEST_TOO_LARGE", "maxBytes": 1024},
                    }
                ]
            }
        assert await gql.data("{ __typename }") == {"__typename": "Query"}
