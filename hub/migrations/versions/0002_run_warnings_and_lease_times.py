"""run warnings, lease acquisition time

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_warnings",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_warnings")),
    )
    with op.batch_alter_table("record_warnings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_warnings_connector_stream_fingerprint"),
            ["connector", "stream", "fingerprint"],
            unique=False,
        )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rows_warned", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("sync_leases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acquired_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_leases", schema=None) as batch_op:
        batch_op.drop_column("acquired_at")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("rows_warned")
    with op.batch_alter_table("record_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_warnings_connector_stream_fingerprint"))
    op.drop_table("record_warnings")
