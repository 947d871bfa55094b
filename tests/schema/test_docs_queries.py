from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from schema import build_schema
from schema.engine.internals import graphql_schema

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_query_in_the_readme_is_valid_against_the_schema() -> None:
    """The tour, portal and data-team queries (they are also run on the demo by hand)."""
    queries = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(queries) >= 3
    schema = graphql_schema(build_schema())
    for query in queries:
        assert validate(schema, parse(query)) == [], query
