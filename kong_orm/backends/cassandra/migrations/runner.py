"""Apply, list, drop and empty the schema of a factory's keyspace.

Migrations are CQL files, ``NNNN_name.cql``, applied in name order;
``{keyspace}`` in them names the configured keyspace. Core's are in ``core/``
beside this module, a plugin's in the ``cassandra/`` folder of its
migrations. Applied names are recorded per component in ``schema_migrations``
(``id text PRIMARY KEY, migrations list<text>``), so running again changes
nothing. The entities of a component without CQL files get their tables from
their cqlengine models. Each schema change waits until the nodes agree on the
schema.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from cassandra.encoder import cql_quote
from cassandra.metadata import protect_name

from kong_orm.backends.cassandra.cql import create_table_cql
from kong_orm.backends.cassandra.keyspace import Keyspace
from kong_orm.backends.cassandra.models import CASCADES, EXPIRIES, claim_tables
from kong_orm.backends.cassandra.reads import read_all
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.backends.cassandra.statements import Request, Result
from kong_orm.errors import DAOError
from kong_orm.registry import CORE, Catalog
from kong_orm.schema.entity import Entity

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "schema_migrations"
_COMMENT = re.compile(r"--[^\n]*")


@dataclass(frozen=True)
class Migration:
    """One CQL file: its name (the file name without ``.cql``) and its text."""

    name: str
    text: str

    def statements(self, keyspace: str) -> list[str]:
        """The file's statements, with ``{keyspace}`` filled in."""
        cql = _COMMENT.sub("", self.text).replace("{keyspace}", protect_name(keyspace))
        return [" ".join(statement.split()) for statement in cql.split(";") if statement.strip()]


def available(folder: Traversable) -> list[Migration]:
    """The migrations in ``folder``, in order."""
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".cql")), key=lambda e: e.name)
    return [Migration(entry.name[: -len(".cql")], entry.read_text(encoding="utf-8")) for entry in files]


def component_folders(catalog: Catalog) -> dict[str, Traversable]:
    """The CQL folder of each component that has one, core first."""
    folders: dict[str, Traversable] = {CORE: resources.files(__package__).joinpath(CORE)}
    for plugin in catalog.plugins:
        folder = None if plugin.migrations is None else Path(plugin.migrations) / "cassandra"
        if folder is not None and folder.is_dir():
            folders[plugin.name] = folder
    return folders


def pending(keyspace: Keyspace) -> dict[str, list[str]]:
    """Migrations of the keyspace's components not applied yet, per component, and the
    missing tables of components without migrations (see :meth:`Catalog.tables_to_create`)."""
    done = current(keyspace)
    folders = component_folders(keyspace.catalog)
    missing = {
        component: [m.name for m in available(folder) if m.name not in done.get(component, [])]
        for component, folder in folders.items()
    }
    migrations = {component: names for component, names in missing.items() if names}
    return {**migrations, **_tables_to_create(keyspace, folders)}


def _tables_to_create(keyspace: Keyspace, folders: Mapping[str, object]) -> dict[str, list[str]]:
    present = _tables_present(keyspace)
    return keyspace.catalog.tables_to_create(folders, lambda entity: _table_names(keyspace, entity), present)


def _tables_present(keyspace: Keyspace) -> set[str]:
    """The names of the tables the keyspace holds."""
    listed = Request("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [keyspace.name])
    return {row["table_name"] for row in keyspace.statements.execute(listed).rows}


def _table_names(keyspace: Keyspace, entity: Entity) -> list[str]:
    return [model.column_family_name(include_keyspace=False) for model in keyspace.models_of(entity)]


def create_keyspace_cql(settings: CassandraSettings) -> str:
    """``CREATE KEYSPACE IF NOT EXISTS`` with the configured replication."""
    if settings.replication_strategy == "SimpleStrategy":
        replication = f"'class': 'SimpleStrategy', 'replication_factor': {settings.replication_factor}"
    else:
        if not settings.data_centers:
            raise ValueError("NetworkTopologyStrategy needs data_centers (data center name: replica count)")
        centers = ", ".join(f"{cql_quote(dc)}: {count}" for dc, count in settings.data_centers.items())
        replication = f"'class': 'NetworkTopologyStrategy', {centers}"
    return f"CREATE KEYSPACE IF NOT EXISTS {protect_name(settings.keyspace)} WITH replication = {{{replication}}}"


def current(keyspace: Keyspace) -> dict[str, list[str]]:
    """Applied migrations per component (``core`` first); ``{}`` without a keyspace or record."""
    exists = Request(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
        [keyspace.name, MIGRATIONS_TABLE],
    )
    if not keyspace.statements.execute(exists).rows:
        return {}
    rows = read_all(keyspace.statements, Request(f"SELECT id, migrations FROM {keyspace.qualified(MIGRATIONS_TABLE)}"))
    recorded = {row["id"]: list(row["migrations"]) for row in rows if row["migrations"]}
    return dict(sorted(recorded.items(), key=lambda item: (item[0] != "core", item[0])))


def upgrade(keyspace: Keyspace, settings: CassandraSettings) -> dict[str, list[str]]:
    """Create the keyspace if needed and apply pending migrations; return those applied now."""
    _schema(keyspace, create_keyspace_cql(settings))
    _schema(keyspace, f"CREATE TABLE IF NOT EXISTS {keyspace.qualified(MIGRATIONS_TABLE)} "
                      "(id text PRIMARY KEY, migrations list<text>)")
    done = current(keyspace)
    applied: dict[str, list[str]] = {}
    folders = component_folders(keyspace.catalog)
    for component, folder in folders.items():
        for migration in available(folder):
            if migration.name not in done.get(component, []):
                _apply(keyspace, component, migration)
                applied.setdefault(component, []).append(migration.name)
    created = _tables_to_create(keyspace, folders)
    _create_from_models(keyspace, [e for e in keyspace.catalog if keyspace.catalog.owner(e) not in folders])
    return {**applied, **created}


def _create_from_models(keyspace: Keyspace, entities: list[Entity]) -> None:
    """``CREATE TABLE IF NOT EXISTS`` (and indexes) for entities without CQL files, from their models."""
    for entity in entities:
        for model in keyspace.models_of(entity):
            for cql in create_table_cql(model):
                _schema(keyspace, cql)


def _apply(keyspace: Keyspace, component: str, migration: Migration) -> None:
    for statement in migration.statements(keyspace.name):
        _schema(keyspace, statement)
    record = f"UPDATE {keyspace.qualified(MIGRATIONS_TABLE)} SET migrations = migrations + ? WHERE id = ?"
    keyspace.statements.execute(Request(record, [[migration.name], component]))
    log.info("applied %s migration %s to keyspace %s", component, migration.name, keyspace.name)


def drop(keyspace: Keyspace) -> None:
    """Drop the tables of the factory and of every known plugin, and the migrations
    record; the keyspace and any other table in it stay."""
    present = _tables_present(keyspace)
    known = keyspace.catalog.with_every_known_plugin()
    ours = [name for entity in known for name in (*(c.name for c in claim_tables(entity)), entity.name)]
    for table in [*ours, EXPIRIES, CASCADES, MIGRATIONS_TABLE]:
        if table in present:
            _schema(keyspace, f"DROP TABLE IF EXISTS {keyspace.qualified(table)}")


def truncate(keyspace: Keyspace) -> None:
    """Empty every entity, claim, expiries and cascades table (the migrations record stays)."""
    requests = [Request(f"TRUNCATE {keyspace.qualified(table)}", schema=True) for table in keyspace.table_names()]
    for outcome in keyspace.statements.execute_all(requests):
        if isinstance(outcome, DAOError):
            raise outcome


def _schema(keyspace: Keyspace, cql: str) -> Result:
    return keyspace.statements.execute(Request(cql, schema=True))
