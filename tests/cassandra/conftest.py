"""Cassandra-only tests: a real server at ``$KONG_ORM_TEST_CASSANDRA_URL``
(default ``cassandra://127.0.0.1:9042/kong_orm_test``); unreachable fails, never skips.

These tests use their own keyspace (the URL's plus ``_backend``) so they can
run beside the contract suite in one session.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import RoundRobinPolicy

from kong_orm import Config, DAOFactory
from kong_orm.backends.cassandra import CassandraBackend
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.factory import DAOFactory as Factory

DEFAULT_URL = "cassandra://127.0.0.1:9042/kong_orm_test"

SCHEMA_TIMEOUT = 120.0
"""Seconds a test's own schema change may take (a loaded single node can be slow)."""


def cassandra_url() -> str:
    return os.environ.get("KONG_ORM_TEST_CASSANDRA_URL") or DEFAULT_URL


def config_for(**options: Any) -> Config:
    """The test server's config with ``options`` on top (for instance another keyspace)."""
    return Config.from_url(cassandra_url(), **options)


def open_factory(**options: Any) -> DAOFactory:
    """A factory on the test server serving the core entities and the two plugins whose configs
    the tests use (unless ``plugins`` says otherwise): fewer tables to create per keyspace.
    No background purge unless asked for: the tests purge when they mean to."""
    options.setdefault("plugins", ["key-auth", "rate-limiting"])
    options.setdefault("purge_interval", 0)
    return Factory(config_for(**options))


def backend_of(factory: DAOFactory) -> CassandraBackend:
    backend = factory.backend
    assert isinstance(backend, CassandraBackend)
    return backend


def fresh_keyspace() -> str:
    return f"kong_orm_t_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def keyspace() -> str:
    return CassandraSettings.from_config(config_for()).keyspace + "_backend"


@pytest.fixture(scope="session")
def migrated_factory(keyspace: str) -> Iterator[DAOFactory]:
    factory = open_factory(keyspace=keyspace)
    factory.drop_schema()
    factory.run_migrations()
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def session() -> Iterator[Any]:
    """A driver session of the tests' own, to look at tables directly."""
    settings = CassandraSettings.from_config(config_for())
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy())
    cluster = Cluster(
        list(settings.contact_points),
        port=settings.port,
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )
    try:
        yield cluster.connect()
    finally:
        cluster.shutdown()


@pytest.fixture
def dropped_keyspaces(session: Any) -> Iterator[list[str]]:
    """Keyspaces a test creates; dropped afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=SCHEMA_TIMEOUT)
