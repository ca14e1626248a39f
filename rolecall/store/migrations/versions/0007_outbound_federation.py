"""outbound identity federation

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "outbound_federation",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_outbound_federation_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_outbound_federation")),
        sa.UniqueConstraint("issuer_id", name=op.f("uq_outbound_federation_issuer_id")),
    )
    op.create_table(
        "outbound_signing_keys",
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("private_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer_id", "kid", name=op.f("pk_outbound_signing_keys")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("outbound_signing_keys")
    op.drop_table("outbound_federation")
