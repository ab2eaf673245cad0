"""response-ratelimiting: response_ratelimiting_metrics.

Revision ID: 0001_response_ratelimiting
Revises: 0001_core_schema
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_response_ratelimiting"
down_revision: str | Sequence[str] | None = "0001_core_schema"
branch_labels: str | Sequence[str] | None = ("response-ratelimiting",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_ratelimiting_metrics",
        sa.Column("api_id", sa.Uuid(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("period_date", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "api_id", "identifier", "period_date", "period", name="pk_response_ratelimiting_metrics"
        ),
    )


def downgrade() -> None:
    op.drop_table("response_ratelimiting_metrics")
