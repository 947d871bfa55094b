"""time-limit alerts (督办) and the working-day calendar's SQL side

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_alerts",
        sa.Column("filing_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("filing_key", name=op.f("pk_sla_alerts")),
    )
    op.create_table(
        "working_days",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("working_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_working_days")),
    )
    op.create_table(
        "working_calendar",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_working_calendar")),
    )


def downgrade() -> None:
    op.drop_table("working_calendar")
    op.drop_table("working_days")
    op.drop_table("sla_alerts")
