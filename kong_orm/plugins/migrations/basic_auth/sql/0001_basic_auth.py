"""basic-auth: basicauth_credentials.

Revision ID: 0001_basic_auth
Revises: 0001_core_schema
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_basic_auth"
down_revision: str | Sequence[str] | None = "0001_core_schema"
branch_labels: str | Sequence[str] | None = ("basic-auth",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "basicauth_credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_basicauth_credentials_consumer_id_consumers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_basicauth_credentials"),
        sa.UniqueConstraint("username", name="uq_basicauth_credentials_username"),
    )
    op.create_index("ix_basicauth_credentials_consumer_id", "basicauth_credentials", ["consumer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("basicauth_credentials")
