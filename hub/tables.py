"""The unified store's tables (SQLAlchemy Core).

Entity tables are derived from ``hub.entities`` and carry their provenance: the connector and
source key a row came from, when sync last wrote it, and a soft-delete mark. Datetimes are stored
as naive UTC so that SQLite and PostgreSQL compare them the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from hub.entities import ENTITIES, Entity, Field, Kind

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias).
Serial = BigInteger().with_variant(Integer(), "sqlite")


def column_type(field: Field) -> TypeEngine[Any]:
    match field.kind:
        case Kind.INT:
            return BigInteger()
        case Kind.FLOAT:
            return Float()
        case Kind.DATETIME:
            return DateTime()
        case Kind.DATE:
            return Date()
        case Kind.JSON:
            return JSON()
        case Kind.TEXT if field.length > 1000:
            return Text()
        case _:
            return String(field.length)


def _entity_table(entity: Entity) -> Table:
    columns = [
        Column(f.name, column_type(f), primary_key=f.name == entity.key, nullable=not f.required)
        for f in entity.fields
    ]
    provenance: list[Column[Any]] = [
        Column("src_connector", String(64), nullable=False),
        Column("src_key", String(200), nullable=False),
        Column("synced_at", DateTime(), nullable=False),
        Column("deleted_at", DateTime()),
    ]
    return Table(entity.table, metadata, *columns, *provenance)


entity_tables: dict[str, Table] = {name: _entity_table(e) for name, e in ENTITIES.items()}
departments = entity_tables["department"]
matters = entity_tables["matter"]
projects = entity_tables["project"]
filings = entity_tables["filing"]
process_events = entity_tables["process_event"]
outcomes = entity_tables["outcome"]
project_annotations = entity_tables["project_annotation"]
divisions = entity_tables["division"]

Index(None, matters.c.department_code)
Index(None, projects.c.district)
Index(None, filings.c.project_code)
Index(None, filings.c.matter_code)
Index(None, filings.c.department_code)
Index(None, process_events.c.filing_key, process_events.c.occurred_at)
Index(None, outcomes.c.filing_key)
Index(None, outcomes.c.project_code)
Index(None, project_annotations.c.project_code, project_annotations.c.noted_at)

changes = Table(
    "changes",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("op", String(16), nullable=False),  # see hub.changelog.ChangeRecord
    Column("entity", String(32), nullable=False),
    Column("entity_key", String(200), nullable=False),
    Column("project_code", String(32)),
    Column("field", String(64)),
    Column("old_value", JSON()),
    Column("new_value", JSON()),
    Column("connector", String(64), nullable=False),
    Column("department_code", String(32)),
    Column("sync_run_id", BigInteger()),
    Column("source_time", DateTime()),
    Column("recorded_at", DateTime(), nullable=False),
    # sha256 over the previous row's hash and this row's canonical form (hub.log_chain).
    Column("chain_hash", String(64)),
)
Index(None, changes.c.entity, changes.c.entity_key)
Index(None, changes.c.project_code)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("connector", String(64), nullable=False),
    Column("mode", String(16), nullable=False),  # full / incremental / reconcile / push
    Column("state", String(16), nullable=False),  # running / succeeded / failed
    Column("started_at", DateTime(), nullable=False),
    Column("finished_at", DateTime()),
    Column("rows_read", BigInteger(), nullable=False, default=0),
    Column("rows_inserted", BigInteger(), nullable=False, default=0),
    Column("rows_updated", BigInteger(), nullable=False, default=0),
    Column("rows_unchanged", BigInteger(), nullable=False, default=0),
    Column("rows_rejected", BigInteger(), nullable=False, default=0),
    Column("rows_deleted", BigInteger(), nullable=False, default=0),
    Column("orphans", BigInteger(), nullable=False, default=0),
    Column("conflicts", BigInteger(), nullable=False, default=0),
    Column("error", Text()),
    # Records stored with an invalid optional value nulled (``on_invalid = "null"``).
    Column("rows_warned", BigInteger(), nullable=False, default=0, server_default="0"),
)
Index(None, sync_runs.c.connector, sync_runs.c.started_at)


SOURCE_KEY_LENGTH = 200


def _record_problems(name: str) -> Table:
    """A table of source records with problems: each with its raw content and reasons."""
    table = Table(
        name,
        metadata,
        Column("id", Serial, primary_key=True, autoincrement=True),
        Column("connector", String(64), nullable=False),
        Column("stream", String(64), nullable=False),
        Column("entity", String(32), nullable=False),
        Column("sync_run_id", BigInteger()),
        Column("source_key", String(SOURCE_KEY_LENGTH)),
        Column("raw", JSON(), nullable=False),
        Column("reasons", JSON(), nullable=False),
        # A hash of raw and reasons: a row that fails the same way on every re-read is kept once.
        Column("fingerprint", String(64), nullable=False),
        Column("created_at", DateTime(), nullable=False),
    )
    Index(None, table.c.connector, table.c.stream, table.c.fingerprint)
    return table


# Rows that were not stored, and rows stored with an invalid optional value nulled.
rejects = _record_problems("rejects")
record_warnings = _record_problems("record_warnings")

cursors = Table(
    "cursors",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("value", JSON()),
    Column("updated_at", DateTime(), nullable=False),
)

# The working-day calendar's SQL side (hub.calendar): each day (days since 1970-01-01) and the
# working days from the calendar's first day through it; the fingerprint says which calendar.
working_days = Table(
    "working_days",
    metadata,
    Column("day", Integer, primary_key=True, autoincrement=False),
    Column("working_index", Integer, nullable=False),
)
working_calendar = Table(
    "working_calendar",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
)

# The time-limit alert (督办) each filing is in: DUE_SOON or OVERDUE; a filing in neither has no
# row. The supervision job appends a change-log event exactly when a row appears, changes or goes.
sla_alerts = Table(
    "sla_alerts",
    metadata,
    Column("filing_key", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("as_of", Date(), nullable=False),
    Column("since", DateTime(), nullable=False),
)

sync_leases = Table(
    "sync_leases",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),  # host:pid:instance
    Column("acquired_at", DateTime()),
    Column("expires_at", DateTime(), nullable=False),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("entity", String(32), nullable=False),
    Column("entity_key", String(200), nullable=False),
    Column("project_code", String(32)),
    Column("field", String(64), nullable=False),
    Column("authority", String(64), nullable=False),  # the authoritative connector
    Column("connector", String(64), nullable=False),  # the source that disagrees
    Column("stored_value", JSON()),
    Column("offered_value", JSON()),
    Column("sync_run_id", BigInteger()),
    Column("detected_at", DateTime(), nullable=False),
    Column("resolved_at", DateTime()),
)
Index(None, conflicts.c.entity, conflicts.c.entity_key, conflicts.c.field)

source_schemas = Table(
    "source_schemas",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("columns", JSON(), nullable=False),  # column name -> type name, as last seen
    Column("seen_at", DateTime(), nullable=False),
)

source_files = Table(
    "source_files",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("path", String(500), primary_key=True),
    Column("checksum", String(64), primary_key=True),
    Column("size", BigInteger(), nullable=False),
    Column("state", String(16), nullable=False),  # applied / failed
    Column("rows", BigInteger(), nullable=False, default=0),
    Column("error", Text()),
    Column("processed_at", DateTime(), nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("department_code", String(32)),
    Column("url", String(1000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("filter", JSON(), nullable=False),
    Column("delivered_seq", BigInteger(), nullable=False, default=0),
    Column("state", String(16), nullable=False),  # active / failing / paused
    Column("attempts", Integer(), nullable=False, default=0),
    Column("last_error", Text()),
    Column("last_attempt_at", DateTime()),
    Column("next_attempt_at", DateTime()),
    Column("created_at", DateTime(), nullable=False),
    Column("owner_role", String(32)),  # the role whose view its deliveries get
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("department_code", String(32)),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("scopes", JSON(), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("revoked_at", DateTime()),
    Column("role", String(32)),  # hub.config roles; NULL: the anonymous role
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", DateTime(), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", JSON()),
)

# Each outcome's authenticity as last checked by sync (hub.authenticity): stored, not recomputed
# per query. ``fingerprint`` says what was checked (canonical form, signature, key, algorithm);
# ``verified_form`` is the canonical form last found VERIFIED, to name what changed since.
outcome_authenticity = Table(
    "outcome_authenticity",
    metadata,
    Column("outcome_key", String(64), primary_key=True),
    Column("state", String(24), nullable=False),
    Column("key_id", String(64)),
    Column("algorithm", String(32)),
    Column("reason", Text()),
    Column("fingerprint", String(64), nullable=False),
    Column("verified_form", Text()),
    Column("checked_at", DateTime(), nullable=False),
)

# The change log's heads as the hub signed them (hub.log_chain): the chain hash at ``seq``.
log_heads = Table(
    "log_heads",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("seq", BigInteger(), nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Column("algorithm", String(32), nullable=False),
    Column("public_key", String(200), nullable=False),
    Column("signature", String(400), nullable=False),
    Column("signed_at", DateTime(), nullable=False),
)

# Data-check findings (数据检查, hub.checks): one row per problem a rule found in an entity's
# data, kept open while the rule keeps finding it and closed (resolved_at) when a later check no
# longer does. At most one open finding per (rule, entity, key); closed ones are the history.
findings = Table(
    "findings",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("rule", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_key", String(200), nullable=False),
    Column("project_code", String(32)),
    Column("department_code", String(32)),  # the department responsible for the data
    Column("message", Text(), nullable=False),
    Column("details", JSON()),
    Column("first_seen", DateTime(), nullable=False),
    Column("last_seen", DateTime(), nullable=False),
    Column("resolved_at", DateTime()),
)
Index(
    "uq_findings_open",
    findings.c.rule,
    findings.c.entity,
    findings.c.entity_key,
    unique=True,
    sqlite_where=findings.c.resolved_at.is_(None),
    postgresql_where=findings.c.resolved_at.is_(None),
)
Index(None, findings.c.department_code, findings.c.resolved_at)
Index(None, findings.c.project_code)
