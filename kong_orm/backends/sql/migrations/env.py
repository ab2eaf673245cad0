"""Alembic environment of the packaged revisions."""
from kong_orm.backends.sql.alembic_env import run

run()
