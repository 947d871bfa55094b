"""project annotations: the causes supervisors and owners give for idle projects

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_annotations",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("project_code", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("noted_at", sa.DateTime(), nullable=False),
        sa.Column("src_connector", sa.String(length=64), nullable=False),
        sa.Column("src_key", sa.String(length=200), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_project_annotations")),
    )
    op.create_index(
        op.f("ix_project_annotations_project_code_noted_at"),
        "project_annotations",
        ["project_code", "noted_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_project_annotations_project_code_noted_at"), table_name="project_annotations"
    )
    op.drop_table("project_annotations")
