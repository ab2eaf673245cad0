"""oauth2: oauth2_credentials, oauth2_authorization_codes, oauth2_tokens.

Revision ID: 0001_oauth2
Revises: 0001_core_schema
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_oauth2"
down_revision: str | Sequence[str] | None = "0001_core_schema"
branch_labels: str | Sequence[str] | None = ("oauth2",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth2_authorization_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("authenticated_userid", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_oauth2_authorization_codes"),
        sa.UniqueConstraint("code", name="uq_oauth2_authorization_codes_code"),
    )
    op.create_table(
        "oauth2_credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("consumer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("redirect_uri", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name="fk_oauth2_credentials_consumer_id_consumers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oauth2_credentials"),
        sa.UniqueConstraint("client_id", name="uq_oauth2_credentials_client_id"),
        sa.UniqueConstraint("client_secret", name="uq_oauth2_credentials_client_secret"),
    )
    op.create_index("ix_oauth2_credentials_consumer_id", "oauth2_credentials", ["consumer_id"], unique=False)
    op.create_table(
        "oauth2_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("token_type", sa.Text(), nullable=False),
        sa.Column("expires_in", sa.Double(), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("authenticated_userid", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("expire_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["oauth2_credentials.id"],
            name="fk_oauth2_tokens_credential_id_oauth2_credentials",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oauth2_tokens"),
        sa.UniqueConstraint("access_token", name="uq_oauth2_tokens_access_token"),
        sa.UniqueConstraint("refresh_token", name="uq_oauth2_tokens_refresh_token"),
    )
    op.create_index("ix_oauth2_tokens_credential_id", "oauth2_tokens", ["credential_id"], unique=False)


def downgrade() -> None:
    op.drop_table("oauth2_tokens")
    op.drop_table("oauth2_authorization_codes")
    op.drop_table("oauth2_credentials")
