"""Alembic revisions driven from a factory: upgrade, list, drop.

Each component with SQL migrations has a version location of its own: core's
ships here, a plugin's is the ``sql/`` folder of its migrations, and its first
revision carries the plugin's name as branch label and starts from (or
depends on) a core revision. A
factory upgrades each component it serves to that location's newest revision,
so the branches of plugins it does not serve stay unapplied. The entities of
a component without SQL migrations get their tables from their definitions.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, inspect

from kong_orm.backends.sql.engine import Store
from kong_orm.backends.sql.models import Models
from kong_orm.errors import ConfigError
from kong_orm.plugins.registry import Plugin, get_plugin, registered_plugins
from kong_orm.registry import CORE, Catalog

log = logging.getLogger(__name__)
SCRIPT_LOCATION = Path(__file__).with_name("migrations")
CORE_VERSIONS = SCRIPT_LOCATION / "versions"
JOINED_VERSIONS = SCRIPT_LOCATION / "joined"
"""The revision joining core and the built-in plugins' branches into one head, for
``alembic upgrade head``; factories never need it."""
VERSION_TABLE = "alembic_version"
UNKNOWN = "unknown"
"""Where :func:`current` lists the revisions of components this process does not know
(a plugin not installed, or registered by another process): Alembic records only each
branch's newest revision, so that is what it lists of them."""


def plugin_versions(plugin: Plugin) -> Path | None:
    """The Alembic version location of ``plugin``, if it has SQL migrations."""
    folder = None if plugin.migrations is None else Path(plugin.migrations) / "sql"
    return folder if folder is not None and folder.is_dir() else None


def component_locations(plugins: Iterable[Plugin]) -> dict[str, Path]:
    """Version location per component with SQL migrations, core first."""
    locations = {CORE: CORE_VERSIONS}
    for plugin in plugins:
        folder = plugin_versions(plugin)
        if folder is not None:
            locations[plugin.name] = folder
    return locations


def known_locations(catalog: Catalog | None = None) -> dict[str, Path]:
    """Every component a database may hold revisions of: the catalog's and every known plugin's."""
    known = [plugin for plugin in map(get_plugin, registered_plugins()) if plugin is not None]
    return component_locations([*known, *(catalog.plugins if catalog else ())])


def alembic_config(
    locations: Iterable[Path], metadata: MetaData | None = None, connection: Connection | None = None
) -> AlembicConfig:
    """An Alembic config over ``locations``, optionally bound to a connection."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(path) for path in locations))
    config.attributes["metadata"] = metadata
    config.attributes["connection"] = connection
    return config


def _script(catalog: Catalog | None = None) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config([*known_locations(catalog).values(), JOINED_VERSIONS]))


def current(store: Store, catalog: Catalog | None = None) -> dict[str, list[str]]:
    """Applied revisions per component, oldest first (joining revisions left out); the
    newest revisions of components this process does not know under :data:`UNKNOWN`."""
    heads = store.read(lambda conn: MigrationContext.configure(conn).get_current_heads())
    if not heads:
        return {}
    script = _script(catalog)
    known = {revision.revision for revision in script.walk_revisions()}
    owners = {path.resolve(): name for name, path in known_locations(catalog).items()}
    applied: dict[str, list[str]] = {}
    for revision in reversed(list(script.iterate_revisions(tuple(h for h in heads if h in known), "base"))):
        if revision.is_merge_point:
            continue
        owner = owners.get(Path(revision.path).parent.resolve(), UNKNOWN)
        applied.setdefault(owner, []).append(revision.revision)
    unknown = sorted(head for head in heads if head not in known)
    if unknown:
        applied.setdefault(UNKNOWN, []).extend(unknown)
    return dict(sorted(applied.items(), key=lambda item: (item[0] != CORE, item[0])))


def _refuse_unknown(applied: dict[str, list[str]]) -> None:
    """Alembic cannot migrate a database holding revisions it has no file of."""
    if UNKNOWN in applied:
        raise ConfigError(
            f"the database holds migrations of plugins not installed or registered here "
            f"({', '.join(applied[UNKNOWN])}): serve their plugins to migrate it"
        )


def revisions_in(script: ScriptDirectory, location: Path) -> list[str]:
    """The revisions of ``location``, oldest first."""
    folder = location.resolve()
    return [r.revision for r in reversed(list(script.walk_revisions())) if Path(r.path).parent.resolve() == folder]


def newest_revision(script: ScriptDirectory, location: Path) -> str:
    """The revision of ``location`` that no other revision there revises."""
    mine = [script.get_revision(name) for name in revisions_in(script, location)]
    revised = {down for r in mine if r is not None for down in r._versioned_down_revisions}
    newest = [r.revision for r in mine if r is not None and r.revision not in revised]
    if len(newest) != 1:
        raise ValueError(f"{location} must hold one chain of revisions, found heads {newest}")
    return newest[0]


def pending(store: Store, catalog: Catalog) -> dict[str, list[str]]:
    """Revisions of the catalog's components not applied yet, per component, and the
    missing tables of components without migrations (see :meth:`Catalog.tables_to_create`)."""
    done = current(store, catalog)
    script = _script(catalog)
    locations = component_locations(catalog.plugins)
    missing = {
        component: [name for name in revisions_in(script, location) if name not in done.get(component, [])]
        for component, location in locations.items()
    }
    revisions = {component: names for component, names in missing.items() if names}
    return {**revisions, **_tables_to_create(store, catalog, locations)}


def _tables_to_create(store: Store, catalog: Catalog, locations: dict[str, Path]) -> dict[str, list[str]]:
    present = set(store.read(lambda conn: inspect(conn).get_table_names()))
    return catalog.tables_to_create(locations, lambda entity: [entity.name], present)


def upgrade(store: Store, catalog: Catalog, models: Models) -> dict[str, list[str]]:
    """Apply every pending revision of the catalog's components; return those applied now."""
    before = current(store, catalog)
    _refuse_unknown(before)
    locations = component_locations(catalog.plugins)
    config = alembic_config([*known_locations(catalog).values(), JOINED_VERSIONS], models.metadata)
    script = ScriptDirectory.from_config(config)
    targets = [newest_revision(script, location) for location in locations.values()]
    unmigrated = [entity for entity in catalog if catalog.owner(entity) not in locations]
    created = _tables_to_create(store, catalog, locations)

    def work(conn: Connection) -> None:
        config.attributes["connection"] = conn
        for target in targets:
            command.upgrade(config, target)
        models.metadata.create_all(conn, tables=models.tables(unmigrated), checkfirst=True)

    store.write(work, schema_change=True)
    after = current(store, catalog)
    applied = {
        component: names[len(before.get(component, [])):]
        for component, names in after.items()
        if len(names) > len(before.get(component, []))
    }
    applied.update(created)
    for component, names in applied.items():
        log.info("applied %s migrations: %s", component, ", ".join(names))
    return applied


def drop(store: Store, catalog: Catalog) -> None:
    """Drop the tables of the catalog and of every known plugin, and the revision record."""
    known = catalog.with_every_known_plugin()
    models = Models(known)
    tables = models.tables(known)

    def work(conn: Connection) -> None:
        models.metadata.drop_all(conn, tables=tables, checkfirst=True)
        Table(VERSION_TABLE, MetaData()).drop(conn, checkfirst=True)

    store.write(work, schema_change=True)
