"""jwt: jwt_secrets.

Revision ID: 0001_jwt
Revises: 0001_core_schema
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_jwt"
down_revision: str | Sequence[str] | None = "0001_core_schema"
branch_labels: str | Sequence[str] | None = ("jwt",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jwt_secrets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("rsa_public_key", sa.Text(), nullable=True),
        sa.Column("algorithm", sa.Text(), nullable=False),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_jwt_secrets_consumer_id_consumers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_jwt_secrets"),
        sa.UniqueConstraint("key", name="uq_jwt_secrets_key"),
        sa.UniqueConstraint("secret", name="uq_jwt_secrets_secret"),
    )
    op.create_index("ix_jwt_secrets_consumer_id", "jwt_secrets", ["consumer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("jwt_secrets")
