"""Alembic: the command line from the repository root, and models that match the revisions."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from kong_orm import ConfigError, DAOFactory, create_factory
from kong_orm.backends.sql.alembic_env import target_metadata
from kong_orm.backends.sql.migrate import JOINED_VERSIONS, alembic_config, known_locations
from kong_orm.cli import EXIT_ERROR, main
from kong_orm.plugins.registry import Plugin, builtin_plugins, get_plugin, registered_plugins
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_REVISIONS = ["0001_core_schema", "0002_core_ttl"]
KEY_AUTH_REVISIONS = ["0001_key_auth", "0002_key_auth_ttl"]
ACL_REVISIONS = ["0001_acl", "0002_acl_ttl"]
IP_BAN_REVISIONS = ["0001_ip_bans", "0002_ip_bans_ttl"]


def _with_tables(names: list[str]) -> set[str]:
    return {name for name in names if getattr(get_plugin(name), "migrations", None) is not None}


def _alembic(url: str, *args: str) -> str:
    env = {**os.environ, "KONG_ORM_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_alembic_upgrade_head_from_the_repository_root(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _alembic(url, "upgrade", "head")
    assert "0003_builtin_plugins (head)" in _alembic(url, "current")
    factory = create_factory(url)
    current = factory.current_migrations()
    assert current["core"] == CORE_REVISIONS
    assert set(current) == {"core", *_with_tables(builtin_plugins())}
    assert factory.run_migrations() == {"ip-ban": IP_BAN_REVISIONS}  # installed, not built in
    consumer = factory.consumers.insert({"username": "cli"})
    assert factory.keyauth_credentials.insert({"consumer_id": consumer["id"]})["key"]
    factory.close()


def test_a_factory_applies_only_the_plugins_it_serves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'some.db'}"
    with create_factory(url, plugins=["key-auth"]) as factory:
        assert factory.run_migrations() == {"core": CORE_REVISIONS, "key-auth": KEY_AUTH_REVISIONS}
    with create_factory(url, plugins=["key-auth", "acl"]) as factory:
        assert factory.run_migrations() == {"acl": ACL_REVISIONS}
        assert factory.current_migrations() == {
            "core": CORE_REVISIONS,
            "acl": ACL_REVISIONS,
            "key-auth": KEY_AUTH_REVISIONS,
        }
    _alembic(url, "upgrade", "heads")
    with create_factory(url) as factory:
        assert set(factory.current_migrations()) == {"core", *_with_tables(registered_plugins())}


def _expiry_indexes(conn: Connection) -> dict[str, str]:
    """Per table, the predicate of its ``ix_<table>_expire_at`` as the store reports it."""
    inspector = inspect(conn)
    found = {}
    for table in inspector.get_table_names():
        for index in inspector.get_indexes(table):
            if index["name"] == f"ix_{table}_expire_at" and index["column_names"] == ["expire_at"]:
                options = index.get("dialect_options", {})
                where = options.get("postgresql_where", options.get("sqlite_where", ""))
                found[table] = " ".join(str(where).strip("()").split())
    return found


def _every_table_has_its_expiry_index(url: str) -> bool:
    with create_factory(url) as factory:
        engine = factory.backend.store.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            return _expiry_indexes(conn) == {table: "expire_at IS NOT NULL" for table in target_metadata().tables}


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrated_schema_matches_the_models(factory: DAOFactory) -> None:
    engine = factory.backend.store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), target_metadata())
        # autogenerate compares an index's columns, not its WHERE: check that apart
        indexes = _expiry_indexes(conn)
    assert differences == []
    assert indexes == {table: "expire_at IS NOT NULL" for table in target_metadata().tables}


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_a_store_migrated_before_the_expiry_indexes_gets_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _alembic(url, "upgrade", "0002_builtin_plugins")  # the previous single head
    with create_factory(url, plugins=["key-auth"]) as factory:
        assert factory.run_migrations() == {"core": ["0002_core_ttl"], "key-auth": ["0002_key_auth_ttl"]}
    _alembic(url, "upgrade", "head")
    assert "0003_builtin_plugins (head)" in _alembic(url, "current")
    _alembic(url, "upgrade", "heads")
    assert _every_table_has_its_expiry_index(url)


def test_revision_ids_fit_the_version_table() -> None:
    # alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id, SQLite does not
    script = ScriptDirectory.from_config(alembic_config([*known_locations().values(), JOINED_VERSIONS]))
    too_long = [r.revision for r in script.walk_revisions() if len(r.revision) > 32]
    assert too_long == []


def test_revisions_of_a_plugin_unknown_here_are_listed_and_block_only_upgrades(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    with create_factory(url, plugins=[]) as factory:
        factory.run_migrations()
        factory.backend.store.write(  # type: ignore[attr-defined]
            lambda conn: conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0001_elsewhere')")
        )
        assert factory.current_migrations() == {"core": CORE_REVISIONS, "unknown": ["0001_elsewhere"]}
        assert factory.pending_migrations() == {}
    with create_factory(url, plugins=["key-auth"]) as factory:
        assert factory.pending_migrations() == {"key-auth": KEY_AUTH_REVISIONS}
        with pytest.raises(ConfigError) as raised:
            factory.run_migrations()
        assert "(0001_elsewhere): serve their plugins to migrate it" in str(raised.value)
        assert factory.current_migrations()["unknown"] == ["0001_elsewhere"]
    assert main(["--url", url, "--plugins", "", "check"]) == 0
    assert main(["--url", url, "--plugins", "key-auth", "migrations", "up"]) == EXIT_ERROR
    assert "0001_elsewhere" in capsys.readouterr().err


NOTES = Entity(name="notes", fields=(id_field(), created_at_field(), Field("text", Kind.STRING)))
PLUGIN_NOTES = Entity(name="plugin_notes", fields=NOTES.fields)


def test_tables_without_migrations_are_pending_until_made(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'own.db'}"
    notes_plugin = Plugin("notes-plugin", entities=(PLUGIN_NOTES,))
    with create_factory(url, plugins=[notes_plugin], entities=[NOTES]) as factory:
        pending = factory.pending_migrations()
        assert pending == {"core": CORE_REVISIONS, "notes-plugin": ["table plugin_notes"], "service": ["table notes"]}
        assert factory.run_migrations() == pending
        assert factory.pending_migrations() == {}
        assert factory.run_migrations() == {}
        assert factory.dao("notes").insert({"text": "kept"})["text"] == "kept"
