from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.elements import ColumnElement

from hub import tables
from hub.store import Store
from schema.errors import InvalidCursorError, UserInputError
from schema.lists import PROJECTS
from schema.loaders import live
from schema.pagination import Ordering, SortField, page_size, paginate
from tests.asgi import GraphQLClient, serve
from tests.schema import seed

pytestmark = pytest.mark.anyio

f = tables.filings
BY_SUBMITTED = Ordering("filings:submitted", (SortField(f.c.submitted_at), SortField(f.c.key)))
BY_SUBMITTED_DESC = Ordering(
    "filings:-submitted", (SortField(f.c.submitted_at, descending=True), SortField(f.c.key))
)

PAGE = """
query ($first: Int, $after: String) {
  projects(first: $first, after: $after) {
    totalCount
    edges { cursor node { code } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


# --- cursors and page sizes (no database) ---


def test_cursor_round_trips_the_ordering_key() -> None:
    when = datetime(2014, 3, 1, 8, 30, 15, 123)
    cursor = BY_SUBMITTED.encode([when, "F-1"])
    assert BY_SUBMITTED.decode(cursor) == (when, "F-1")
    assert BY_SUBMITTED.decode(BY_SUBMITTED.encode([None, "F-2"])) == (None, "F-2")
    padded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert json.loads(padded) == ["filings:submitted", ["2014-03-01T08:30:15.000123", "F-1"]]


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "%%%",
        base64.urlsafe_b64encode(b"[1, 2, 3]").decode(),
        base64.urlsafe_b64encode(b'["filings:submitted", ["x", "F-1"]]').decode(),  # bad date
        base64.urlsafe_b64encode(b'["filings:submitted", [null, null]]').decode(),  # key NULL
        base64.urlsafe_b64encode(b'["filings:submitted", [null, 5]]').decode(),  # wrong type
        base64.urlsafe_b64encode(b'["filings:submitted", [null]]').decode(),  # too short
        BY_SUBMITTED_DESC.encode([None, "F-1"]),  # another ordering
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_invalid_cursors_are_rejected(cursor: str) -> None:
    with pytest.raises(InvalidCursorError, match="invalid cursor"):
        BY_SUBMITTED.decode(cursor)


def test_page_size_limits() -> None:
    assert page_size(None, default=20, maximum=500) == 20
    assert page_size(None, default=800, maximum=500) == 500
    assert page_size(0, default=20, maximum=500) == 0
    assert page_size(500, default=20, maximum=500) == 500
    with pytest.raises(UserInputError, match="at most 500"):
        page_size(501, default=20, maximum=500)
    with pytest.raises(UserInputError, match="zero or more"):
        page_size(-1, default=20, maximum=500)


def test_keyset_condition_of_several_fields() -> None:
    def sql(condition: ColumnElement[bool]) -> str:
        compiled = condition.compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
        return str(compiled).replace('"', "")

    assert sql(BY_SUBMITTED.after([datetime(2014, 1, 1), "F-1"])) == (
        "filings.submitted_at > '2014-01-01 00:00:00.000000' OR filings.submitted_at IS NULL OR "
        "filings.submitted_at = '2014-01-01 00:00:00.000000' AND filings.key > 'F-1'"
    )
    assert sql(BY_SUBMITTED.after([None, "F-1"])) == (
        "filings.submitted_at IS NULL AND filings.key > 'F-1'"
    )
    assert sql(BY_SUBMITTED_DESC.after([None, "F-1"])) == (
        "filings.submitted_at IS NOT NULL OR filings.submitted_at IS NULL AND filings.key > 'F-1'"
    )
    assert sql(BY_SUBMITTED_DESC.after([datetime(2014, 1, 1), "F-1"])) == (
        "filings.submitted_at < '2014-01-01 00:00:00.000000' OR "
        "filings.submitted_at = '2014-01-01 00:00:00.000000' AND filings.key > 'F-1'"
    )
    assert sql(PROJECTS.ordering(None).after(["2014-440300-47-01-000001"])) == (
        "projects.code > '2014-440300-47-01-000001'"
    )
    # A NOT NULL key is ordered plainly (an index serves it); a nullable field puts NULL last.
    assert [sql(c) for c in BY_SUBMITTED.order_by()] == [
        "filings.submitted_at ASC NULLS LAST",
        "filings.key ASC",
    ]
    assert [sql(c) for c in BY_SUBMITTED_DESC.order_by()] == [
        "filings.submitted_at DESC NULLS FIRST",
        "filings.key ASC",
    ]


# --- connections on the store ---


async def walk(gql: GraphQLClient, first: int) -> tuple[list[str], list[dict]]:
    codes: list[str] = []
    pages: list[dict] = []
    after = None
    while True:
        page = (await gql.data(PAGE, first=first, after=after))["projects"]
        pages.append(page)
        codes += [edge["node"]["code"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return codes, pages
        after = page["pageInfo"]["endCursor"]


async def test_pages_return_every_project_once(store: Store, gql: GraphQLClient) -> None:
    codes = await seed.seed_projects(store, 7)
    walked, pages = await walk(gql, 3)
    assert walked == codes
    assert [len(p["edges"]) for p in pages] == [3, 3, 1]
    assert {p["totalCount"] for p in pages} == {7}
    first, last = pages[0], pages[-1]
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    # An exact last page says there is no next one.
    walked, pages = await walk(gql, 7)
    assert walked == codes and len(pages) == 1


async def test_rows_inserted_between_pages_are_neither_skipped_nor_repeated(
    store: Store, gql: GraphQLClient
) -> None:
    codes = await seed.seed_projects(store, 6, start=10)
    page = (await gql.data(PAGE, first=3))["projects"]
    seen = [e["node"]["code"] for e in page["edges"]]
    # One project sorts before the cursor, one inside the next page.
    before, inside = seed.project_code(5), seed.project_code(12) + "X"
    await seed.insert(store, tables.projects, [seed.project(before), seed.project(inside)])
    after = page["pageInfo"]["endCursor"]
    while after:
        page = (await gql.data(PAGE, first=3, after=after))["projects"]
        seen += [e["node"]["code"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(seen) == len(set(seen))
    assert seen == sorted([*codes, inside])
    assert page["totalCount"] == 8


async def test_empty_and_zero_sized_pages(store: Store, gql: GraphQLClient) -> None:
    empty = (await gql.data(PAGE))["projects"]
    assert empty == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
    await seed.seed_projects(store, 2)
    zero = (await gql.data(PAGE, first=0))["projects"]
    assert zero["edges"] == [] and zero["pageInfo"]["hasNextPage"] is True
    assert zero["totalCount"] == 2


async def test_default_page_size_comes_from_the_config(store: Store) -> None:
    await seed.seed_projects(store, 5)
    async with serve(store, default_page_size=2, max_page_size=4) as gql:
        page = (await gql.data(PAGE))["projects"]
        assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
        (error,) = await gql.errors(PAGE, first=5)
        assert "at most 4" in error["message"]


@pytest.mark.parametrize("ordering", [BY_SUBMITTED, BY_SUBMITTED_DESC], ids=["asc", "desc"])
async def test_ordering_by_a_nullable_field_then_the_key(store: Store, ordering: Ordering) -> None:
    """The keyset works for several sort fields, NULLs included (for a later orderBy)."""
    day = datetime(2014, 5, 1)
    times = [day, None, day, day + timedelta(hours=1), None, day - timedelta(days=1), day]
    rows = [
        seed.filing(f"K{i}", seed.project_code(0), "M", submitted_at=t) for i, t in enumerate(times)
    ]
    await seed.insert(store, f, rows)
    high = datetime.max  # NULL sorts as the largest value

    def sort_key(row: dict) -> tuple:
        at = row["submitted_at"] or high
        return (at, row["key"]) if ordering is BY_SUBMITTED else (high - at, row["key"])

    expected = [row["key"] for row in sorted(rows, key=sort_key)]
    query = select(f).where(live(f))
    keys: list[str] = []
    after = None
    for _ in range(len(rows)):
        page = await paginate(store, query, ordering, lambda row: row.key, first=2, after=after)
        keys += [edge.node for edge in page.edges]
        if not page.page_info.has_next_page:
            break
        after = ordering.cursor_of(page.page_info.last_row)
    assert keys == expected
    assert await page.count() == len(rows)
