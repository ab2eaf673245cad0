"""The Alembic environment shared by ``alembic`` at the repository root and
:meth:`DAOFactory.run_migrations`: one set of revisions for both."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import context
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

from kong_orm.backends.sql.engine import Store
from kong_orm.backends.sql.models import Models
from kong_orm.config import Config
from kong_orm.registry import Catalog

log = logging.getLogger(__name__)


def target_metadata(catalog: Catalog | None = None) -> MetaData:
    """The metadata of every model of ``catalog`` (by default core and every known plugin)."""
    return Models(catalog or Catalog.serving()).metadata


def _migrate(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


def _add_installed_plugins(script: ScriptDirectory) -> None:
    """Let the command line see the revisions of plugins installed by other packages.

    alembic.ini can only list the built-in locations; this runs before any
    revision is read, so the extra locations join the same revision map.
    ``upgrade head`` keeps to the built-ins (joined into one head): the
    installed branches are heads of their own, applied by ``upgrade heads``.
    """
    if _destination() == "head":
        return
    from kong_orm.backends.sql.migrate import known_locations

    listed = {Path(location).resolve() for location in script.version_locations}
    for location in known_locations().values():
        if location.resolve() not in listed:
            script.version_locations.append(str(location))


def _destination() -> object:
    # The raw argument of the running environment: get_revision_argument() would
    # read the revisions before the installed locations are added.
    environment = getattr(context, "_proxy", None)
    opts: dict[str, object] = getattr(environment, "context_opts", {})
    return opts.get("destination_rev")


def run() -> None:
    """Run the revisions on the factory's connection, or on ``$KONG_ORM_DATABASE_URL``."""
    config = context.config
    connection = config.attributes.get("connection")
    metadata = config.attributes.get("metadata") or target_metadata()
    if connection is not None:
        _migrate(connection, metadata)
        return
    _add_installed_plugins(context.script)
    store = Store(Config.from_env())
    if context.is_offline_mode():
        context.configure(url=store.url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    log.info("migrating %s", store.url.render_as_string(hide_password=True))
    try:
        store.write(lambda connection: _migrate(connection, metadata), schema_change=True)
    finally:
        store.dispose()
