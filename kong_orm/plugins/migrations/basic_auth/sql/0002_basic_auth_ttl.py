"""basic-auth: a partial index on expire_at of basicauth_credentials.

Only rows with a TTL are in it (``WHERE expire_at IS NOT NULL``): a count reads the
expired rows through it (total minus expired), and so does a purge.

Revision ID: 0002_basic_auth_ttl
Revises: 0001_basic_auth
Create Date: 2026-12-01
"""
from collections.abc import Sequence

from kong_orm.backends.sql.migration_ops import create_expiry_indexes, drop_expiry_indexes

revision: str = "0002_basic_auth_ttl"
down_revision: str | Sequence[str] | None = "0001_basic_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("basicauth_credentials",)


def upgrade() -> None:
    create_expiry_indexes(*TABLES)


def downgrade() -> None:
    drop_expiry_indexes(*TABLES)
