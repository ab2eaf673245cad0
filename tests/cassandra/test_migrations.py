"""Versioned CQL migrations: keyspace creation, record, idempotence, drop."""
from __future__ import annotations

from typing import Any

import pytest

from kong_orm import DatabaseError
from kong_orm.backends.cassandra.migrations.runner import available, component_folders
from kong_orm.registry import Catalog
from tests.cassandra.conftest import SCHEMA_TIMEOUT, fresh_keyspace, open_factory

CORE = {"core": ["0001_core_schema", "0002_indexes", "0003_expiries", "0004_cascades"]}


def _replication(session: Any, keyspace: str) -> dict[str, str]:
    row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", [keyspace]).one()
    return dict(row.replication) if row else {}


def test_a_fresh_keyspace_has_no_migrations_until_they_run(session: Any, dropped_keyspaces: list[str]) -> None:
    keyspace = fresh_keyspace()
    dropped_keyspaces.append(keyspace)
    factory = open_factory(keyspace=keyspace, replication_factor="1", plugins=[])
    try:
        assert factory.current_migrations() == {}
        with pytest.raises(DatabaseError):
            factory.apis.find_all()
        assert factory.run_migrations() == CORE
        assert factory.current_migrations() == CORE
        assert factory.run_migrations() == {}
        assert _replication(session, keyspace) == {
            "class": "org.apache.cassandra.locator.SimpleStrategy",
            "replication_factor": "1",
        }
    finally:
        factory.close()


def test_drop_keeps_the_keyspace_and_migrations_run_again(session: Any, dropped_keyspaces: list[str]) -> None:
    keyspace = fresh_keyspace()
    dropped_keyspaces.append(keyspace)
    factory = open_factory(keyspace=keyspace, plugins=[])
    try:
        factory.drop_schema()
        factory.run_migrations()
        factory.consumers.insert({"username": "dropped"})
        factory.drop_schema()
        assert factory.current_migrations() == {}
        assert _replication(session, keyspace)
        tables = session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [keyspace])
        assert list(tables) == []
        assert factory.run_migrations() == CORE
        assert factory.consumers.count() == 0
        factory.consumers.insert({"username": "dropped"})
    finally:
        factory.close()


def test_network_topology_replication_names_each_data_center(session: Any, dropped_keyspaces: list[str]) -> None:
    keyspace = fresh_keyspace()
    dropped_keyspaces.append(keyspace)
    data_center = session.execute("SELECT data_center FROM system.local").one().data_center
    factory = open_factory(
        keyspace=keyspace, replication_strategy="NetworkTopologyStrategy", data_centers={data_center: 1}
    )
    try:
        factory.run_migrations()
        assert _replication(session, keyspace) == {
            "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
            data_center: "1",
        }
        assert factory.consumers.insert({"username": "nts"})["username"] == "nts"
    finally:
        factory.close()


def test_a_dropped_keyspace_is_a_database_error(session: Any, dropped_keyspaces: list[str]) -> None:
    keyspace = fresh_keyspace()
    dropped_keyspaces.append(keyspace)
    factory = open_factory(keyspace=keyspace, plugins=[])
    try:
        factory.run_migrations()
        consumer = factory.consumers.insert({"username": "gone"})
        session.execute(f"DROP KEYSPACE {keyspace}", timeout=SCHEMA_TIMEOUT)
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.find({"id": consumer["id"]})
        assert str(raised.value).startswith("[cassandra error] ")
        assert factory.current_migrations() == {}
        assert factory.run_migrations() == CORE
        assert factory.consumers.find({"id": consumer["id"]}) is None
    finally:
        factory.close()


def test_migration_statements_name_their_keyspace() -> None:
    for folder in component_folders(Catalog.serving()).values():
        for statement in (s for migration in available(folder) for s in migration.statements("ks")):
            assert " ks." in statement and not statement.upper().startswith("USE")
