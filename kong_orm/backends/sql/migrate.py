"""Alembic revisions driven from a factory: upgrade, list, drop."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, text

from kong_orm.backends.sql.alembic_env import target_metadata
from kong_orm.backends.sql.engine import Store
from kong_orm.registry import Catalog

log = logging.getLogger(__name__)
SCRIPT_LOCATION = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


def alembic_config(catalog: Catalog | None = None, connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config on the packaged revisions, optionally bound to a connection."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["catalog"] = catalog
    config.attributes["connection"] = connection
    return config


def current(store: Store) -> dict[str, list[str]]:
    """Applied revisions per component (branch label), oldest first."""
    heads = store.read(lambda conn: MigrationContext.configure(conn).get_current_heads())
    if not heads:
        return {}
    script = ScriptDirectory.from_config(alembic_config())
    applied: dict[str, list[str]] = {}
    for revision in reversed(list(script.iterate_revisions(heads, "base"))):
        component = _component_of(script, revision.revision)
        applied.setdefault(component, []).append(revision.revision)
    return applied


def _component_of(script: ScriptDirectory, revision_id: str) -> str:
    revision: Script | None = script.get_revision(revision_id)
    while revision is not None:
        if revision.branch_labels:
            return sorted(revision.branch_labels)[0]
        down = revision.down_revision
        revision = script.get_revision(down) if isinstance(down, str) else None
    return "core"


def upgrade(store: Store, catalog: Catalog) -> dict[str, list[str]]:
    """Apply every pending revision; return those applied now."""
    before = current(store)

    def work(conn: Connection) -> None:
        if store.backend == "postgres":  # a migration may rewrite big tables: no statement timeout
            conn.execute(text("SET LOCAL statement_timeout = 0"))
        command.upgrade(alembic_config(catalog, conn), "heads")

    store.write(work)
    after = current(store)
    applied = {
        component: names[len(before.get(component, [])):]
        for component, names in after.items()
        if len(names) > len(before.get(component, []))
    }
    for component, names in applied.items():
        log.info("applied %s migrations: %s", component, ", ".join(names))
    return applied


def drop(store: Store, catalog: Catalog) -> None:
    """Drop the entity tables and the revision record."""
    metadata = target_metadata(catalog)
    tables = [metadata.tables[entity.name] for entity in catalog]

    def work(conn: Connection) -> None:
        metadata.drop_all(conn, tables=tables, checkfirst=True)
        Table(VERSION_TABLE, MetaData()).drop(conn, checkfirst=True)

    store.write(work)
