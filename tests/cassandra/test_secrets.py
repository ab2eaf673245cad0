"""A Cassandra password and the offset secret stay hidden in the logs (DEBUG
included), reprs and errors of a factory on the real server: migrations,
paging, a failed statement."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kong_orm import DAOFactory, DatabaseError, create_factory
from tests.cassandra.conftest import config_for
from tests.leaks import CASSANDRA_PASSWORD, OFFSET_SECRET, assert_hidden, capturing_every_log, described

SECRET_OPTIONS = {"username": "kong", "password": CASSANDRA_PASSWORD, "offset_secret": OFFSET_SECRET}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    yield from capturing_every_log(caplog)


def secret_factory(keyspace_suffix: str) -> DAOFactory:
    keyspace = config_for().options["keyspace"] + keyspace_suffix
    return create_factory(config_for(keyspace=keyspace, **SECRET_OPTIONS), plugins=[])


def test_migrations_and_paging_log_no_secret(logs: pytest.LogCaptureFixture) -> None:
    with secret_factory("_secrets") as factory:
        factory.run_migrations()
        for _ in range(3):
            factory.consumers.insert({"username": uuid.uuid4().hex})
        _, offset = factory.consumers.find_page(size=2)
        assert offset is not None
        assert_hidden(offset)
        assert factory.consumers.find_page(offset=offset, size=2)[0]
        for shown in (factory.config, factory, factory.backend, *vars(factory.backend).values()):
            assert_hidden(repr(shown))
        factory.drop_schema()
    assert any(record.name.startswith("cassandra") for record in logs.records), "the driver logged nothing"


def test_a_failed_statement_shows_no_secret(logs: pytest.LogCaptureFixture) -> None:
    with secret_factory("_never_migrated") as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert_hidden(described(raised.value))
