"""Store failures reach callers as DatabaseError, never as driver exceptions."""
from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from cassandra.cluster import NoHostAvailable

from kong_orm import Config, DatabaseError, create_factory
from kong_orm.backends.cassandra.settings import SettingsError
from kong_orm.factory import DAOFactory as Factory
from tests.cassandra.conftest import backend_of, fresh_keyspace, open_factory


def test_an_unreachable_node_is_a_database_error() -> None:
    factory = create_factory("cassandra://127.0.0.1:9/kong?timeout=1")
    began = time.monotonic()
    with pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    factory.close()
    assert str(raised.value).startswith("[cassandra error] Unable to connect to any servers")
    assert time.monotonic() - began < 20


def test_a_model_on_an_unreachable_node_fails_and_the_factory_tries_again() -> None:
    factory = create_factory("cassandra://127.0.0.1:9/kong?timeout=1")
    with pytest.raises(NoHostAvailable):  # the models are cqlengine's: its errors are the driver's
        backend_of(factory).models["consumers"].objects(username="x").first()
    with pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    factory.close()
    assert str(raised.value).startswith("[cassandra error] Unable to connect to any servers")


def test_a_silent_node_is_a_database_error_after_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        factory = create_factory(f"cassandra://127.0.0.1:{silent.getsockname()[1]}/kong?timeout=1")
        began = time.monotonic()
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.find_all()
        waited = time.monotonic() - began
        factory.close()
    assert str(raised.value).startswith("[cassandra error] ")
    assert waited < 20, f"a silent node held the caller {waited:.0f} s despite timeout=1"


def test_a_request_timeout_is_a_database_error(migrated_factory: Factory, session: Any) -> None:
    keyspace = migrated_factory.backend.keyspace.name  # type: ignore[attr-defined]
    migrated_factory.consumers.insert_many([{"username": f"many-{n}"} for n in range(2000)])
    # the shortest timeout there is (1 ms), for pages of 1,000 rows: the first times out
    impatient = Factory(Config("cassandra", options={"session": session, "keyspace": keyspace, "timeout": 0.001}))
    with pytest.raises(DatabaseError) as raised:
        impatient.consumers.find_all()
    impatient.close()
    migrated_factory.truncate_tables()
    assert "timed out" in str(raised.value).lower() or "timeout" in str(raised.value).lower()


def test_unavailable_replicas_are_a_database_error(dropped_keyspaces: list[str]) -> None:
    keyspace = fresh_keyspace()
    dropped_keyspaces.append(keyspace)
    factory = open_factory(keyspace=keyspace, replication_factor=3)
    strict = open_factory(keyspace=keyspace, consistency="QUORUM")
    try:
        factory.run_migrations()
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.insert({"username": "nobody"})
        assert "Cannot achieve consistency level" in str(raised.value)
        assert factory.consumers.find_all() == []
        with pytest.raises(DatabaseError) as raised:
            strict.consumers.find_all()
        assert "Cannot achieve consistency level QUORUM" in str(raised.value)
    finally:
        factory.close()
        strict.close()


@pytest.mark.parametrize(
    "query",
    ["consistency=SOMETIMES", "replication_factor=0", "replication_strategy=Everywhere", "timeout=soon", "port=x"],
)
def test_unusable_settings_are_refused_when_the_factory_is_made(query: str) -> None:
    with pytest.raises(SettingsError):
        create_factory(f"cassandra://127.0.0.1/kong?{query}")
