"""A caller's own driver session, and the named cqlengine connection of each factory.

kong_orm changes nothing on a session handed in (row factory, profiles,
encoder). Its models get a second session of the caller's cluster where
that changes nothing either: rows set per session (a pre-profile cluster),
or a default profile that already returns dicts.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.cqlengine import connection as cqlengine_connection
from cassandra.policies import RoundRobinPolicy
from cassandra.query import dict_factory, named_tuple_factory, tuple_factory

from kong_orm import Config, DAOFactory
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.factory import DAOFactory as Factory
from tests.cassandra.conftest import backend_of, config_for, open_factory


def _endpoint() -> tuple[list[tuple[str, int]], int]:
    settings = CassandraSettings.from_config(config_for())
    return list(settings.contact_points), settings.port


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


def _profile_session(row_factory: Any) -> Iterator[Any]:
    hosts, port = _endpoint()
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), row_factory=row_factory)
    cluster = Cluster(hosts, port=port, protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    try:
        yield cluster.connect()
    finally:
        cluster.shutdown()


@pytest.fixture
def profile_session() -> Iterator[Any]:
    """A session whose default execution profile returns plain tuples."""
    yield from _profile_session(tuple_factory)


@pytest.fixture
def dict_session() -> Iterator[Any]:
    """A session whose default execution profile returns dicts, as cqlengine needs."""
    yield from _profile_session(dict_factory)


def _own(session: Any, keyspace: str) -> DAOFactory:
    return Factory(Config("cassandra", options={"session": session, "keyspace": keyspace}))


def _use(session: Any, keyspace: str) -> dict[str, Any]:
    factory = _own(session, keyspace)
    consumer = factory.consumers.insert({"username": "own-session"})
    found = factory.consumers.find({"id": consumer["id"]})
    assert found == consumer
    assert factory.consumers.find_all({"username": "own-session"}) == [consumer]
    factory.close()
    return consumer


def _model_finds(factory: DAOFactory, consumer: dict[str, Any]) -> None:
    found = backend_of(factory).models["consumers"].objects(id=consumer["id"]).get()
    assert found.username == consumer["username"]


def test_a_legacy_session_keeps_its_row_factory(migrated_factory: DAOFactory, legacy_session: Any) -> None:
    migrated_factory.truncate_tables()
    encoders = dict(legacy_session.encoder.mapping)
    consumer = _use(legacy_session, backend_of(migrated_factory).settings.keyspace)
    assert legacy_session.row_factory is named_tuple_factory
    assert legacy_session.encoder.mapping == encoders
    row = legacy_session.execute("SELECT release_version FROM system.local").one()
    assert row.release_version
    assert consumer["username"] == "own-session"


def test_models_on_a_legacy_session_use_a_second_session(migrated_factory: DAOFactory, legacy_session: Any) -> None:
    migrated_factory.truncate_tables()
    encoders = dict(legacy_session.encoder.mapping)
    factory = _own(legacy_session, backend_of(migrated_factory).settings.keyspace)
    try:
        _model_finds(factory, factory.consumers.insert({"username": "legacy-model"}))
        assert legacy_session.row_factory is named_tuple_factory
        assert legacy_session.encoder.mapping == encoders
        second = set(legacy_session.cluster.sessions) - {legacy_session}
    finally:
        factory.close()
    assert len(second) == 1 and all(s.is_shutdown for s in second)
    assert not legacy_session.is_shutdown


def test_a_profile_session_keeps_its_row_factory(
    migrated_factory: DAOFactory, profile_session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    migrated_factory.truncate_tables()
    _use(profile_session, backend_of(migrated_factory).settings.keyspace)
    assert profile_session.cluster.profile_manager.default.row_factory is tuple_factory
    assert profile_session.execute("SELECT release_version FROM system.local").one()[0]
    assert caplog.text.count("does not return dict rows") == 1


def test_models_without_dict_rows_have_no_connection(migrated_factory: DAOFactory, profile_session: Any) -> None:
    factory = _own(profile_session, backend_of(migrated_factory).settings.keyspace)
    try:
        assert backend_of(factory).connection.cqlengine_name not in cqlengine_connection._connections
        assert factory.consumers.count() >= 0
    finally:
        factory.close()
    assert set(profile_session.cluster.sessions) == {profile_session}


def test_models_on_a_dict_session_work(migrated_factory: DAOFactory, dict_session: Any) -> None:
    migrated_factory.truncate_tables()
    encoders = dict(dict_session.encoder.mapping)
    factory = _own(dict_session, backend_of(migrated_factory).settings.keyspace)
    try:
        _model_finds(factory, factory.consumers.insert({"username": "dict-model"}))
    finally:
        factory.close()
    assert dict_session.encoder.mapping == encoders
    assert dict_session.cluster.profile_manager.default.row_factory is dict_factory
    assert dict_session.execute("SELECT release_version FROM system.local").one()["release_version"]


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
    applied = migrated_factory.current_migrations()
    assert factory.current_migrations() == applied
    factory.close()
    assert factory.current_migrations() == applied
    factory.close()
