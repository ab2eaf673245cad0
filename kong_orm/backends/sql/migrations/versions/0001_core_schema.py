"""Core schema: apis, consumers, plugins, nodes.

Revision ID: 0001_core_schema
Revises:
Create Date: 2026-11-27
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_core_schema"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _identity() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    ]


def _expire_at() -> sa.Column[int]:
    return sa.Column("expire_at", sa.BigInteger(), nullable=True)


def upgrade() -> None:
    op.create_table(
        "apis",
        *_identity(),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("request_host", sa.Text(), nullable=True),
        sa.Column("request_path", sa.Text(), nullable=True),
        sa.Column("strip_request_path", sa.Boolean(), nullable=False),
        sa.Column("upstream_url", sa.Text(), nullable=False),
        sa.Column("preserve_host", sa.Boolean(), nullable=False),
        _expire_at(),
        sa.PrimaryKeyConstraint("id", name="pk_apis"),
        sa.UniqueConstraint("name", name="uq_apis_name"),
        sa.UniqueConstraint("request_host", name="uq_apis_request_host"),
        sa.UniqueConstraint("request_path", name="uq_apis_request_path"),
    )
    op.create_table(
        "consumers",
        *_identity(),
        sa.Column("custom_id", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        _expire_at(),
        sa.PrimaryKeyConstraint("id", name="pk_consumers"),
        sa.UniqueConstraint("custom_id", name="uq_consumers_custom_id"),
        sa.UniqueConstraint("username", name="uq_consumers_username"),
    )
    op.create_table(
        "plugins",
        *_identity(),
        sa.Column("api_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("config", JSON_DOCUMENT, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _expire_at(),
        sa.PrimaryKeyConstraint("id", "name", name="pk_plugins"),
        sa.ForeignKeyConstraint(["api_id"], ["apis.id"], name="fk_plugins_api_id_apis", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_plugins_consumer_id_consumers", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_plugins_api_id", "plugins", ["api_id"])
    op.create_index("ix_plugins_consumer_id", "plugins", ["consumer_id"])
    op.create_index(
        "uq_plugins_name_api_id_consumer_id",
        "plugins",
        ["name", "api_id", sa.text("coalesce(CAST(consumer_id AS TEXT), '')")],
        unique=True,
    )
    op.create_table(
        "nodes",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("cluster_listening_address", sa.Text(), nullable=False),
        _expire_at(),
        sa.PrimaryKeyConstraint("name", name="pk_nodes"),
    )


def downgrade() -> None:
    op.drop_table("nodes")
    op.drop_table("plugins")
    op.drop_table("consumers")
    op.drop_table("apis")
