from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import schema
from schema import build_schema

ROOT = Path(__file__).resolve().parents[2]


def test_schema_is_this_projects_package() -> None:
    assert Path(schema.__file__).resolve().parent == ROOT / "schema"


def test_importing_schema_has_no_side_effects() -> None:
    code = (
        "import sys, schema; "
        "loaded = [m for m in ('schema.query', 'schema.loaders', 'hub.store') if m in sys.modules];"
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sdl_names_follow_graphql_conventions() -> None:
    sdl = build_schema().as_str()
    for expected in (
        "project(code: String!, asOf: DateTime = null): Project",
        "projects(filter: ProjectFilter = null, orderBy: [ProjectOrder!] = null, first: Int = null, after: String = null): ProjectConnection!",
        "filings(filter: FilingFilter = null, orderBy: [FilingOrder!] = null, first: Int = null, after: String = null): FilingConnection!",
        "processEvents(filter: ProcessEventFilter = null",
        "outcomes(filter: OutcomeFilter = null",
        "filingStats(groupBy: [FilingGroup!]!, filter: FilingFilter = null, asOf: Date = null): [FilingStats!]!",
        "projectStats(groupBy: [ProjectGroup!]!, filter: ProjectFilter = null): [ProjectStats!]!",
        "syncRuns(filter: SyncRunFilter = null, first: Int = null, after: String = null): SyncRunConnection!",
        "rejects(connector: String = null, stream: String = null, first: Int = null, after: String = null): RejectConnection!",
        "unresolved: Boolean = null\n    first: Int = null\n    after: String = null\n  ): ConflictConnection!",
        "history(field: ProjectField = null): [HistoryEntry!]!",
        "in: [String!] = null",
        "startsWith: String = null",
        "isNull: Boolean = null",
        "and: [ProjectFilter!] = null",
        "not: FilingFilter = null",
        "hasFiling: FilingFilter = null",
        "departments: [Department!]!",
        "matters(department: String = null, stage: Stage = null): [Matter!]!",
        "type PageInfo {",
        "totalCount: Int!",
        "edges: [ProjectEdge!]!",
        "creditCode: String",
        "timeLimitClass: TimeLimitClass",
        "SUPPLEMENT_REQUESTED",
        "validUntil: Date",
        "registeredAt: Date",
        "issuedAt: Date",
        "type Query {",
        "type Mutation {",
        "type Subscription {",
        "type Project implements Node {",
        "node(id: ID!): Node",
        "filing(key: String!): Filing",
        '"""Total investment (总投资), in 万元."""\n  totalInvestment: Float',
        "materials: JSON",
    ):
        assert expected in sdl, expected

    # Private fields never leak into the schema.
    def block(name: str) -> str:
        start = sdl.index(f"\ntype {name} ")
        return sdl[start : sdl.index("\n}", start)]

    assert "matterCode" not in block("Filing") and "\n  asOf:" not in block("Filing")
    assert "filingKey" not in block("Outcome") and "filingKey" not in block("ProcessEvent")
    assert "count:" not in block("ProjectConnection")


def test_each_build_is_a_new_schema() -> None:
    assert build_schema() is not build_schema()
