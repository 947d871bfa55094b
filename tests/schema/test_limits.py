from __future__ import annotations

import asyncio
import functools

import pytest

from hub.store import Store
from schema import build_schema, pagination
from schema.limits import ParsedQueries
from tests.asgi import GraphQLClient, serve

pytestmark = pytest.mark.anyio

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def post(
    gql: GraphQLClient, query: str, accept: str = GRAPHQL_RESPONSE
) -> tuple[int, dict, str]:
    response = await gql.http.post("/graphql", json={"query": query}, headers={"accept": accept})
    return response.status_code, response.json(), response.headers["content-type"]


async def test_limits_are_errors_with_codes_and_http_status(store: Store) -> None:
    deep = "{ projects { nodes { filings { nodes { project { filings { nodes { key } } } } } } } }"
    aliases = "{ " + " ".join(f"a{i}: departments {{ code }}" for i in range(4)) + " }"
    async with serve(store, max_depth=5, max_aliases=3, max_tokens=60, max_page_size=10) as gql:
        for query, code, fragment in [
            (deep, "QUERY_TOO_DEEP", "exceeds maximum operation depth of 5"),
            (aliases, "TOO_MANY_ALIASES", "4 aliases found. Allowed: 3"),
            ("{ " + "departments { code } " * 30 + "}", "TOO_MANY_TOKENS", "more than 60 tokens"),
            ("{ projects { ", "GRAPHQL_PARSE_FAILED", "Syntax Error"),
            ("{ projects { nope } }", "GRAPHQL_VALIDATION_FAILED", "Cannot query field 'nope'"),
        ]:
            status, body, media = await post(gql, query)
            assert status == 400, (query, body)
            assert media.startswith(GRAPHQL_RESPONSE)
            (error,) = body["errors"]
            assert fragment in error["message"] and error["extensions"]["code"] == code
            # A client that accepts only application/json gets 200 (GraphQL over HTTP).
            status, body, media = await post(gql, query, accept="application/json")
            assert status == 200 and media.startswith("application/json")
            assert body["errors"][0]["extensions"]["code"] == code
        # The page-size cap is a field error: 200, with the error's path.
        status, body, _ = await post(gql, "{ projects(first: 11) { totalCount } }")
        assert status == 200 and body["errors"][0]["path"] == ["projects"]
        assert "at most 10" in body["errors"][0]["message"]
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
        # GraphiQL's schema query passes the default-sized limits (introspection is not deep).
        status, body, _ = await post(
            gql, "{ __schema { types { name fields { type { ofType { ofType { name } } } } } } }"
        )
        assert status == 200 and "errors" not in body


async def test_a_request_over_the_time_limit_is_stopped(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pagination.paginate

    async def slow(*args: object, **kwargs: object) -> object:
        await asyncio.sleep(5)
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    async with serve(store, request_timeout_seconds=0.2) as gql:
        monkeypatch.setattr("schema.query.paginate", slow)
        status, body, _ = await post(gql, "{ projects { totalCount } }")
        assert status == 504
        assert body["errors"][0]["extensions"] == {"code": "TIMEOUT"}
        assert "longer than 0.2 s" in body["errors"][0]["message"]
        monkeypatch.setattr("schema.query.paginate", real)
        status, body, _ = await post(gql, "{ projects { totalCount } }")
        assert (status, body) == (200, {"data": {"projects": {"totalCount": 0}}})


async def test_a_repeated_query_is_parsed_once_and_a_failing_one_each_time() -> None:
    schema = build_schema()
    (parse,) = [
        factory.args[0]
        for factory in schema.extensions
        if isinstance(factory, functools.partial) and factory.func is ParsedQueries
    ]
    for _ in range(3):
        assert (await schema.execute("{ __typename }")).data == {"__typename": "Query"}
    assert (parse.cache_info().hits, parse.cache_info().currsize) == (2, 1)
    for _ in range(2):  # not cached: reported, with its code, as any parse error
        result = await schema.execute("{ __typename ")
        assert result.errors and result.errors[0].extensions == {"code": "GRAPHQL_PARSE_FAILED"}
    assert parse.cache_info().currsize == 1
