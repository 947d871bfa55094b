from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from schema import build_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "sections" / "graph.md"


def test_the_documented_queries_are_valid_against_the_schema() -> None:
    """The README's portal and data-team queries (they are also run on the demo by hand)."""
    queries = re.findall(r"```graphql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(queries) == 2
    schema = build_schema()._schema
    for query in queries:
        assert validate(schema, parse(query)) == [], query
