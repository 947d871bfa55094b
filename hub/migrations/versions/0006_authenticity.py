"""authenticity: outcome signatures, their checked state, the change log's hash chain and
signed heads

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("holder_credit_code", sa.String(length=18)))
        batch.add_column(sa.Column("document_sha256", sa.String(length=200)))
        batch.add_column(sa.Column("signature", sa.Text()))
        batch.add_column(sa.Column("signing_key_id", sa.String(length=64)))
        batch.add_column(sa.Column("signature_algorithm", sa.String(length=32)))
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("chain_hash", sa.String(length=64)))
    op.create_table(
        "outcome_authenticity",
        sa.Column("outcome_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("key_id", sa.String(length=64)),
        sa.Column("algorithm", sa.String(length=32)),
        sa.Column("reason", sa.Text()),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("verified_form", sa.Text()),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("outcome_key", name=op.f("pk_outcome_authenticity")),
    )
    op.create_table(
        "log_heads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.String(length=200), nullable=False),
        sa.Column("signature", sa.String(length=400), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_heads")),
    )


def downgrade() -> None:
    op.drop_table("log_heads")
    op.drop_table("outcome_authenticity")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("chain_hash")
    with op.batch_alter_table("outcomes") as batch:
        for name in (
            "signature_algorithm",
            "signing_key_id",
            "signature",
            "document_sha256",
            "holder_credit_code",
        ):
            batch.drop_column(name)
