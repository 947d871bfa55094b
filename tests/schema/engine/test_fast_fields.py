"""The fast path gives exactly what strawberry's own execution gives: data in selection order,
errors with the same message and path, for leaves, enums, custom scalars, arguments, aliases,
fragments, directives, nulls where they are not allowed and resolvers that raise."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from schema import build_schema
from schema.engine.fast_fields import FastFieldExecutor, streamline
from schema.engine.internals import graphql_schema

pytestmark = pytest.mark.anyio


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@strawberry.input
class Window:
    start: int = 0
    size: int = 2


@strawberry.type
class Leaf:
    name: str
    colour: Colour
    nullable_colour: Colour | None
    at: datetime | None
    count: int
    must: str  # the source may hold None: an error the spec puts at this field
    ratio: float | None
    secret: strawberry.Private[str] = "hidden"

    @strawberry.field
    def shout(self, suffix: str = "!") -> str:
        return self.name.upper() + suffix

    @strawberry.field
    def parent_name(self, root: Any, info: strawberry.Info) -> str:
        return f"{root.name}@{info.field_name}"

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"broken {self.name}")

    @strawberry.field
    def window(self, window: Window | None = None, labels: list[str] | None = None) -> str:
        window = window or Window()
        return f"{window.start}+{window.size}:{','.join(labels or [])}"

    @strawberry.field
    async def later(self) -> str:
        return self.name + " later"


def _leaves() -> list[Leaf]:
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    return [
        Leaf(
            name="a",
            colour=Colour.RED,
            nullable_colour=None,
            at=at,
            count=1,
            must="x",
            ratio=0.5,
        ),
        Leaf(
            name="b",
            colour=Colour.GREEN,
            nullable_colour=Colour.RED,
            at=None,
            count=2,
            must=None,  # type: ignore[arg-type]
            ratio=None,
        ),
        Leaf(
            name="c",
            colour="purple",  # type: ignore[arg-type]  # not a member: serialize fails
            nullable_colour=Colour.GREEN,
            at=at,
            count="many",  # type: ignore[arg-type]  # not an Int: serialize fails
            must="z",
            ratio=1.0,
        ),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def leaves(self) -> list[Leaf | None]:
        return _leaves()

    @strawberry.field
    def leaf(self) -> Leaf:
        return _leaves()[0]


def _schemas(**options: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    plain = strawberry.Schema(query=Query, **options)
    fast = strawberry.Schema(query=Query, execution_context_class=FastFieldExecutor, **options)
    streamline(fast)
    return plain, fast


QUERIES = [
    "{ leaves { name colour nullableColour at count ratio } }",
    "{ leaves { must name } }",
    "{ leaves { count colour name } }",
    '{ leaves { shout(suffix: "?") loud: shout name parentName } }',
    "{ leaves { broken name } }",
    "{ leaves { first: name second: name, name } }",
    "{ leaves { ...Bits __typename } } fragment Bits on Leaf { name at }",
    "{ leaves { ... on Leaf { name } colour } }",
    "query ($skip: Boolean!) { leaves { name @skip(if: $skip) count @include(if: $skip) } }",
    'query ($w: Window) { leaf { window(window: $w, labels: ["p", "q"]) plain: window } }',
    "{ leaf { later name } }",
    "{ leaf { name nullableColour } leaves { name } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_same_as_strawberry(query: str) -> None:
    plain, fast = _schemas()
    variables = {"skip": True, "w": {"start": 5}}
    expected = await plain.execute(query, variable_values=variables)
    got = await fast.execute(query, variable_values=variables)
    assert _shape(got) == _shape(expected)
    # The spec orders response keys as selected.
    assert _keys(got.data) == _keys(expected.data)


def _shape(result: Any) -> Any:
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or ())
    return result.data, errors


def _keys(data: Any) -> Any:
    if isinstance(data, dict):
        return [(key, _keys(value)) for key, value in data.items()]
    if isinstance(data, list):
        return [_keys(item) for item in data]
    return None


async def test_errors_are_located_like_strawberrys() -> None:
    plain, fast = _schemas()
    result = await fast.execute("{ leaves { name must count colour } }")
    assert result.data is not None
    # b's null `must` nulls b; c's bad count nulls c before its colour is reached
    assert result.data["leaves"][0] == {"name": "a", "must": "x", "count": 1, "colour": "RED"}
    assert result.data["leaves"][1:] == [None, None]
    messages = {tuple(e.path or ()): e.message for e in result.errors or ()}
    assert set(messages) == {("leaves", 1, "must"), ("leaves", 2, "count")}
    assert _shape(result) == _shape(await plain.execute("{ leaves { name must count colour } }"))


class CountResolves(SchemaExtension):
    """Field middleware: it must see every field, leaves included."""

    seen: list[str] = []

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        CountResolves.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


async def test_field_middleware_still_sees_every_field() -> None:
    CountResolves.seen = []
    _, fast = _schemas(extensions=[CountResolves])
    result = await fast.execute("{ leaf { name count } }")
    assert result.errors is None
    assert CountResolves.seen == ["leaf", "name", "count"]


def test_the_hub_schema_is_streamlined() -> None:
    graphql = graphql_schema(build_schema(accelerate=True))
    filing = graphql.type_map["Filing"]
    project = graphql.type_map["Project"]
    # Plain resolvers (with or without arguments) are called directly; async ones are not.
    assert filing.fields["matter"].resolve.__qualname__.startswith("_direct_resolver")  # type: ignore[union-attr]
    assert project.fields["filings"].resolve.__qualname__.startswith("_direct_resolver")  # type: ignore[union-attr]
    assert not project.fields["outcomes"].resolve.__qualname__.startswith("_direct_resolver")  # type: ignore[union-attr]
