"""acl: acls.

Revision ID: 0001_acl
Revises: 0001_core_schema
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_acl"
down_revision: str | Sequence[str] | None = "0001_core_schema"
branch_labels: str | Sequence[str] | None = ("acl",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=False),
        sa.Column("group", sa.Text(), nullable=False),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_acls_consumer_id_consumers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_acls"),
    )
    op.create_index("ix_acls_consumer_id", "acls", ["consumer_id"], unique=False)
    op.create_index("uq_acls_consumer_id_group", "acls", ["consumer_id", "group"], unique=True)


def downgrade() -> None:
    op.drop_table("acls")
