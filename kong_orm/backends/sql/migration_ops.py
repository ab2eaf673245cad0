"""Schema changes the SQL migrations of several components make alike (the core, the
built-in plugins, third-party plugins), each written once, from the models' own definition.

A revision calls these with its tables. Revisions already applied ran them, so what one
does never changes: another change to the schema is another function.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kong_orm.backends.sql.models import EXPIRE_AT, EXPIRY_INDEX_WHERE, expiry_index_name


def create_expiry_indexes(*tables: str) -> None:
    """The partial ``expire_at`` index the models declare, on each of ``tables``."""
    has_ttl = sa.text(EXPIRY_INDEX_WHERE)
    for table in tables:
        op.create_index(expiry_index_name(table), table, [EXPIRE_AT], sqlite_where=has_ttl, postgresql_where=has_ttl)


def drop_expiry_indexes(*tables: str) -> None:
    """Undo :func:`create_expiry_indexes`."""
    for table in tables:
        op.drop_index(expiry_index_name(table), table_name=table)
