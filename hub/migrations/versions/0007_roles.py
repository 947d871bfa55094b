"""roles: a token's role, a webhook's owner role

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: a token made before roles, which reads as the anonymous role.
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("role", sa.String(length=32), nullable=True))
    # NULL: a webhook made before roles, which sees what its department's role sees.
    with op.batch_alter_table("webhooks") as batch:
        batch.add_column(sa.Column("owner_role", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("owner_role")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("role")
