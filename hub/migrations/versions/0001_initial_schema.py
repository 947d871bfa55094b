"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 03:19:30.579682
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_table(
        "changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_key", sa.String(length=200), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("sync_run_id", sa.BigInteger(), nullable=True),
        sa.Column("source_time", sa.DateTime(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_changes_entity_entity_key"), ["entity", "entity_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_changes_project_code"), ["project_code"], unique=False)

    op.create_table(
        "conflicts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_key", sa.String(length=200), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("stored_value", sa.JSON(), nullable=True),
        sa.Column("offered_value", sa.JSON(), nullable=True),
        sa.Column("sync_run_id", sa.BigInteger(), nullable=True),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conflicts_entity_entity_key_field"),
            ["entity", "entity_key", "field"],
            unique=False,
        )

    op.create_table(
        "cursors",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connector", "stream", name=op.f("pk_cursors")),
    )
    op.create_table(
        "departments",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("short_name", sa.String(length=32), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_departments")),
    )
    op.create_table(
        "filings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=False),
        sa.Column("matter_code", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("time_limit_days", sa.BigInteger(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_filings")),
    )
    with op.batch_alter_table("filings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_filings_department_code"), ["department_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_filings_matter_code"), ["matter_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_filings_project_code"), ["project_code"], unique=False)

    op.create_table(
        "matters",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("time_limit_class", sa.String(length=32), nullable=True),
        sa.Column("time_limit_days", sa.BigInteger(), nullable=True),
        sa.Column("prerequisites", sa.JSON(), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_matters")),
    )
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_matters_department_code"), ["department_code"], unique=False
        )

    op.create_table(
        "outcomes",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("filing_key", sa.String(length=64), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("document_type", sa.String(length=100), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("holder", sa.String(length=400), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_outcomes")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcomes_filing_key"), ["filing_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outcomes_project_code"), ["project_code"], unique=False
        )

    op.create_table(
        "process_events",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("filing_key", sa.String(length=64), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=True),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("division", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_process_events")),
    )
    with op.batch_alter_table("process_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_events_filing_key_occurred_at"),
            ["filing_key", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "projects",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("funding", sa.String(length=32), nullable=True),
        sa.Column("owner_name", sa.String(length=400), nullable=True),
        sa.Column("owner_credit_code", sa.String(length=18), nullable=True),
        sa.Column("district", sa.String(length=6), nullable=True),
        sa.Column("total_investment", sa.Float(), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_district"), ["district"], unique=False)

    op.create_table(
        "rejects",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("sync_run_id", sa.BigInteger(), nullable=True),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejects")),
    )
    with op.batch_alter_table("rejects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejects_connector_stream_fingerprint"),
            ["connector", "stream", "fingerprint"],
            unique=False,
        )

    op.create_table(
        "source_files",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connector", "path", "checksum", name=op.f("pk_source_files")),
    )
    op.create_table(
        "source_schemas",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connector", "stream", name=op.f("pk_source_schemas")),
    )
    op.create_table(
        "sync_leases",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connector", name=op.f("pk_sync_leases")),
    )
    op.create_table(
        "sync_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_inserted", sa.BigInteger(), nullable=False),
        sa.Column("rows_updated", sa.BigInteger(), nullable=False),
        sa.Column("rows_unchanged", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("rows_deleted", sa.BigInteger(), nullable=False),
        sa.Column("orphans", sa.BigInteger(), nullable=False),
        sa.Column("conflicts", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_runs_connector_started_at"),
            ["connector", "started_at"],
            unique=False,
        )

    op.create_table(
        "tokens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    op.create_table(
        "webhooks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("delivered_seq", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
        sa.UniqueConstraint("name", name=op.f("uq_webhooks_name")),
    )


def downgrade() -> None:
    op.drop_table("webhooks")
    op.drop_table("tokens")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_connector_started_at"))

    op.drop_table("sync_runs")
    op.drop_table("sync_leases")
    op.drop_table("source_schemas")
    op.drop_table("source_files")
    with op.batch_alter_table("rejects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejects_connector_stream_fingerprint"))

    op.drop_table("rejects")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_district"))

    op.drop_table("projects")
    with op.batch_alter_table("process_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_events_filing_key_occurred_at"))

    op.drop_table("process_events")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcomes_project_code"))
        batch_op.drop_index(batch_op.f("ix_outcomes_filing_key"))

    op.drop_table("outcomes")
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matters_department_code"))

    op.drop_table("matters")
    with op.batch_alter_table("filings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filings_project_code"))
        batch_op.drop_index(batch_op.f("ix_filings_matter_code"))
        batch_op.drop_index(batch_op.f("ix_filings_department_code"))

    op.drop_table("filings")
    op.drop_table("departments")
    op.drop_table("cursors")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_entity_entity_key_field"))

    op.drop_table("conflicts")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_project_code"))
        batch_op.drop_index(batch_op.f("ix_changes_entity_entity_key"))

    op.drop_table("changes")
    op.drop_table("audit_entries")
