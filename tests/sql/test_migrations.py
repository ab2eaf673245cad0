"""Alembic: the command line from the repository root, and models that match the revisions."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kong_orm import DAOFactory, create_factory
from kong_orm.backends.sql.alembic_env import target_metadata
from kong_orm.plugins.registry import builtin_plugins, get_plugin, registered_plugins

REPO_ROOT = Path(__file__).resolve().parents[2]


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
    assert "0002_builtin_plugins (head)" in _alembic(url, "current")
    factory = create_factory(url)
    current = factory.current_migrations()
    assert current["core"] == ["0001_core_schema"]
    assert set(current) == {"core", *_with_tables(builtin_plugins())}
    assert factory.run_migrations() == {"ip-ban": ["0001_ip_bans"]}  # installed, not built in
    consumer = factory.consumers.insert({"username": "cli"})
    assert factory.keyauth_credentials.insert({"consumer_id": consumer["id"]})["key"]
    factory.close()


def test_a_factory_applies_only_the_plugins_it_serves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'some.db'}"
    with create_factory(url, plugins=["key-auth"]) as factory:
        assert factory.run_migrations() == {"core": ["0001_core_schema"], "key-auth": ["0001_key_auth"]}
    with create_factory(url, plugins=["key-auth", "acl"]) as factory:
        assert factory.run_migrations() == {"acl": ["0001_acl"]}
        assert factory.current_migrations() == {
            "core": ["0001_core_schema"],
            "acl": ["0001_acl"],
            "key-auth": ["0001_key_auth"],
        }
    _alembic(url, "upgrade", "heads")
    with create_factory(url) as factory:
        assert set(factory.current_migrations()) == {"core", *_with_tables(registered_plugins())}


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrated_schema_matches_the_models(factory: DAOFactory) -> None:
    engine = factory.backend.store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), target_metadata())
    assert differences == []
