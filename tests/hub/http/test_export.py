from __future__ import annotations

import csv
import io
import json

import pytest

from hub.auth import create_token
from hub.store import Store
from tests.asgi import serve
from tests.schema import seed

pytestmark = pytest.mark.anyio


async def test_exports_stream_the_filtered_rows_as_csv_and_ndjson(store: Store) -> None:
    await seed.seed_catalogue(store)
    await seed.seed_projects(store, 6)
    filter_ = json.dumps({"project": {"district": {"eq": "440304"}}, "status": {"eq": "APPROVED"}})
    order = json.dumps([{"field": "KEY", "direction": "DESC"}])
    async with serve(store) as gql:
        response = await gql.http.get(
            "/export/filings.csv", params={"filter": filter_, "orderBy": order}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["x-request-id"]
        rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
        assert [r["key"] for r in rows] == ["F000005-1", "F000001-1"]
        assert rows[0]["acceptedAt"] == "2014-03-02T03:30:00Z"
        assert json.loads(rows[0]["materials"]) == ["申请表", "立项批复"]
        assert rows[0]["connector"] == "seed"

        response = await gql.http.post(
            "/export/projects.ndjson", json={"filter": {"name": {"contains": "项目"}}}
        )
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert [line["code"] for line in lines] == [seed.project_code(i) for i in range(6)]
        assert (
            lines[0]["ownerName"] == "深圳市建筑工务署" and lines[0]["totalInvestment"] == 12345.5
        )

        bad = await gql.http.get(
            "/export/projects.csv", params={"filter": '{"status": {"eq": "NOPE"}}'}
        )
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_FILTER"
        assert "filter.status.eq" in bad.json()["errors"][0]["message"]
        assert (
            await gql.http.get("/export/projects.csv", params={"filter": "{"})
        ).status_code == 400
        unknown = await gql.http.get("/export/nothing.csv")
        assert unknown.status_code == 404 and "exportable: filings" in unknown.text
        assert (await gql.http.get("/export/projects.xml")).status_code == 404


async def test_exports_and_graphql_share_the_token_check(store: Store) -> None:
    token = await create_token(store, "reader", scopes=["read"])
    pusher = await create_token(store, "pusher", scopes=["ingest:fgw"])
    async with serve(store, require_token=True) as gql:
        for path in ("/export/projects.csv", "/graphql"):
            anonymous = await gql.http.post(path, json={"query": "{ departments { code } }"})
            assert anonymous.status_code == 401, path
            assert anonymous.headers["www-authenticate"].startswith("Bearer")
            lacking = await gql.http.post(
                path,
                json={"query": "{ departments { code } }"},
                headers={"authorization": f"Bearer {pusher}"},
            )
            assert lacking.status_code == 403, path
            allowed = await gql.http.post(
                path,
                json={"query": "{ departments { code } }"},
                headers={"authorization": f"Bearer {token}"},
            )
            assert allowed.status_code == 200, path
