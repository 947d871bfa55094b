"""data-check findings (数据检查)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 16:55:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_key", sa.String(length=200), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    resolved_at: sa.ColumnClause[Any] = sa.column("resolved_at", sa.DateTime())
    op.create_index(
        "uq_findings_open",
        "findings",
        ["rule", "entity", "entity_key"],
        unique=True,
        sqlite_where=resolved_at.is_(None),
        postgresql_where=resolved_at.is_(None),
    )
    op.create_index(
        op.f("ix_findings_department_code_resolved_at"),
        "findings",
        ["department_code", "resolved_at"],
    )
    op.create_index(op.f("ix_findings_project_code"), "findings", ["project_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_findings_project_code"), table_name="findings")
    op.drop_index(op.f("ix_findings_department_code_resolved_at"), table_name="findings")
    op.drop_index("uq_findings_open", table_name="findings")
    op.drop_table("findings")
