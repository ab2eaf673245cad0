"""key-auth: keyauth_credentials.

Revision ID: 0001_key_auth
Revises: 0001_core_schema
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_key_auth"
down_revision: str | Sequence[str] | None = "0001_core_schema"
branch_labels: str | Sequence[str] | None = ("key-auth",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "keyauth_credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_keyauth_credentials_consumer_id_consumers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_keyauth_credentials"),
        sa.UniqueConstraint("key", name="uq_keyauth_credentials_key"),
    )
    op.create_index("ix_keyauth_credentials_consumer_id", "keyauth_credentials", ["consumer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("keyauth_credentials")
