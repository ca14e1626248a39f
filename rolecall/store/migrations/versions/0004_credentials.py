"""credentials: SSH public keys, signing and server certificates, service credentials

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:03:58.548003

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "server_certificates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("chain", sa.Text(), nullable=True),
        sa.Column("private_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_server_certificates_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_certificates")),
        sa.UniqueConstraint(
            "account_id", "name_key", name=op.f("uq_server_certificates_account_id_name_key")
        ),
    )
    op.create_table(
        "service_specific_credentials",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("service_name", sa.String(length=128), nullable=False),
        sa.Column("service_user_name", sa.String(length=200), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_service_specific_credentials_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_service_specific_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_specific_credentials")),
    )
    with op.batch_alter_table("service_specific_credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_specific_credentials_user", ["user_id", "service_name"], unique=False
        )
    op.create_table(
        "signing_certificates",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_signing_certificates_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_signing_certificates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_signing_certificates")),
    )
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.create_index("ix_signing_certificates_user", ["user_id"], unique=False)
    op.create_table(
        "ssh_public_keys",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ssh_public_keys_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ssh_public_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssh_public_keys")),
        sa.UniqueConstraint(
            "user_id", "fingerprint", name=op.f("uq_ssh_public_keys_user_id_fingerprint")
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("ssh_public_keys")
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_signing_certificates_user")
    op.drop_table("signing_certificates")
    with op.batch_alter_table("service_specific_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_service_specific_credentials_user")
    op.drop_table("service_specific_credentials")
    op.drop_table("server_certificates")
