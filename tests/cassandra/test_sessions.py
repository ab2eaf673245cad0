"""A caller's own driver session, and the named cqlengine connection of each factory."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.cqlengine import connection as cqlengine_connection
from cassandra.policies import RoundRobinPolicy
from cassandra.query import named_tuple_factory, tuple_factory

from kong_orm import Config, DAOFactory
from kong_orm.backends.cassandra.settings import CassandraSettings, host_of
from kong_orm.factory import DAOFactory as Factory
from tests.cassandra.conftest import backend_of, config_for, open_factory


def _endpoint() -> tuple[list[str], int]:
    settings = CassandraSettings.from_config(config_for())
    return [host_of(point) for point in settings.contact_points], settings.port


@pytest.fixture
def legacy_session() -> Iterator[Any]:
    """A session configured the pre-profile way: row factory on the session."""
    hosts, port = _endpoint()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cluster = Cluster(hosts, port=port, protocol_version=5, load_balancing_policy=RoundRobinPolicy())
    try:
        yield cluster.connect()
    finally:
        cluster.shutdown()


@pytest.fixture
def profile_session() -> Iterator[Any]:
    """A session whose default execution profile returns plain tuples."""
    hosts, port = _endpoint()
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), row_factory=tuple_factory)
    cluster = Cluster(hosts, port=port, protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    try:
        yield cluster.connect()
    finally:
        cluster.shutdown()


def _use(session: Any, keyspace: str) -> dict[str, Any]:
    factory = Factory(Config("cassandra", options={"session": session, "keyspace": keyspace}))
    consumer = factory.consumers.insert({"username": "own-session"})
    found = factory.consumers.find({"id": consumer["id"]})
    assert found == consumer
    assert factory.consumers.find_all({"username": "own-session"}) == [consumer]
    factory.close()
    return consumer


def test_a_legacy_session_keeps_its_row_factory(migrated_factory: DAOFactory, legacy_session: Any) -> None:
    migrated_factory.truncate_tables()
    encoders = dict(legacy_session.encoder.mapping)
    consumer = _use(legacy_session, backend_of(migrated_factory).settings.keyspace)
    assert legacy_session.row_factory is named_tuple_factory
    assert legacy_session.encoder.mapping == encoders
    row = legacy_session.execute("SELECT release_version FROM system.local").one()
    assert row.release_version
    assert consumer["username"] == "own-session"


def test_a_profile_session_keeps_its_row_factory(migrated_factory: DAOFactory, profile_session: Any) -> None:
    migrated_factory.truncate_tables()
    _use(profile_session, backend_of(migrated_factory).settings.keyspace)
    assert profile_session.cluster.profile_manager.default.row_factory is tuple_factory
    assert profile_session.execute("SELECT release_version FROM system.local").one()[0]


def test_closing_the_factory_leaves_the_callers_cluster_running(
    migrated_factory: DAOFactory, profile_session: Any
) -> None:
    migrated_factory.truncate_tables()
    _use(profile_session, backend_of(migrated_factory).settings.keyspace)
    assert not profile_session.cluster.is_shutdown
    assert not profile_session.is_shutdown


def test_each_factory_has_its_own_named_cqlengine_connection() -> None:
    first, second = open_factory(), open_factory()
    try:
        first.current_migrations()
        second.current_migrations()
        names = {backend_of(f).connection.cqlengine_name for f in (first, second)}
        assert len(names) == 2 and names <= set(cqlengine_connection._connections)
        assert cqlengine_connection.DEFAULT_CONNECTION not in cqlengine_connection._connections
        first.close()
        assert names & set(cqlengine_connection._connections) == {backend_of(second).connection.cqlengine_name}
    finally:
        first.close()
        second.close()
    assert not names & set(cqlengine_connection._connections)


def test_a_closed_factory_connects_again_on_use(migrated_factory: DAOFactory) -> None:
    factory = open_factory(keyspace=backend_of(migrated_factory).settings.keyspace)
    assert factory.current_migrations() == {"core": ["0001_core_schema"]}
    factory.close()
    assert factory.current_migrations() == {"core": ["0001_core_schema"]}
    factory.close()
