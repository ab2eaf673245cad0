"""PostgreSQL as a server: lost connections, missing databases, timeouts."""
from __future__ import annotations

import os
import socket
import time

import psycopg2
import pytest

from kong_orm import DatabaseError, create_factory
from tests.conftest import URL_VARIABLES
from tests.servers import postgres

pytestmark = pytest.mark.only_on("postgres")


def _postgres_url() -> str:
    url = os.environ.get(URL_VARIABLES["postgres"])
    if not url:
        pytest.fail("KONG_ORM_TEST_POSTGRES_URL is not set: run the tests with scripts/run-tests", pytrace=False)
    return url


def test_missing_database_is_named_in_a_database_error() -> None:
    url = _postgres_url().rsplit("/", 1)[0] + "/kong_orm_no_such_db"
    factory = create_factory(url)
    with pytest.raises(DatabaseError) as raised:
        factory.apis.find_all()
    assert str(raised.value) == '[postgres error] database "kong_orm_no_such_db" does not exist'
    factory.close()


def test_refused_connection_is_a_database_error() -> None:
    factory = create_factory("postgresql://kong:kong@127.0.0.1:9/kong")
    with pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert str(raised.value).startswith("[postgres error] ")
    factory.close()


def test_silent_server_gives_a_database_error_after_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        factory = create_factory(f"postgresql://kong:kong@127.0.0.1:{port}/kong?timeout=1")
        began = time.monotonic()
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.count()
        waited = time.monotonic() - began
        factory.close()
    assert str(raised.value).startswith("[postgres error] ")
    assert waited < 20, f"a silent server held the caller {waited:.0f} s despite timeout=1"


def test_factory_recovers_after_the_server_restarts() -> None:
    url = _postgres_url()
    if url != postgres.url() or not postgres.is_running():
        pytest.fail("this test restarts the PostgreSQL that scripts/run-tests started", pytrace=False)
    factory = create_factory(url)
    factory.run_migrations()
    before = factory.consumers.count()
    postgres.stop()
    try:
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.count()
        assert str(raised.value).startswith("[postgres error] ")
    finally:
        postgres.start()
    assert factory.consumers.count() == before
    factory.close()


def test_a_lock_wait_ends_in_a_database_error_after_the_timeout() -> None:
    url = _postgres_url()
    factory = create_factory(url + "?timeout=1")
    factory.run_migrations()
    holder = psycopg2.connect(url)
    try:
        holder.cursor().execute("LOCK TABLE consumers IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.count()
        assert str(raised.value).startswith("[postgres error] canceling statement due to")
    finally:
        holder.rollback()
        holder.close()
    assert factory.consumers.count() >= 0
    factory.close()
