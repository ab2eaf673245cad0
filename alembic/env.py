"""Alembic environment for ``alembic`` commands run from the repository root.

It is the packaged environment: the same revisions, the same metadata, the
database from ``$KONG_ORM_DATABASE_URL``.
"""
from logging.config import fileConfig

from alembic import context

from kong_orm.backends.sql.alembic_env import run

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)

run()
