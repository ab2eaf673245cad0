"""key-auth: a partial index on expire_at of keyauth_credentials.

Only rows with a TTL are in it (``WHERE expire_at IS NOT NULL``): a count reads the
expired rows through it (total minus expired), and so does a purge.

Revision ID: 0002_key_auth_ttl
Revises: 0001_key_auth
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_key_auth_ttl"
down_revision: str | Sequence[str] | None = "0001_key_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("keyauth_credentials",)
HAS_TTL = sa.text("expire_at IS NOT NULL")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_expire_at", table, ["expire_at"], sqlite_where=HAS_TTL, postgresql_where=HAS_TTL)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_expire_at", table_name=table)
