"""ip-ban: the ip_bans table.

Revision ID: 0001_ip_bans
Revises:
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_ip_bans"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("ip-ban",)
depends_on: str | Sequence[str] | None = "0001_core_schema"


def upgrade() -> None:
    op.create_table(
        "ip_bans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_ip_bans_consumer_id_consumers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ip_bans"),
        sa.UniqueConstraint("address", name="uq_ip_bans_address"),
    )
    op.create_index("ix_ip_bans_consumer_id", "ip_bans", ["consumer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("ip_bans")
