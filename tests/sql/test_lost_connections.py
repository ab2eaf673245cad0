"""PostgreSQL sessions that die: reads are retried, writes never are, prepared statements come back.

A session is killed with ``pg_terminate_backend`` from another connection to the
same database, while it waits for a lock held by a third one (so the moment is
known), or while it sits idle in the factory.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import pytest

from kong_orm import DAOFactory, DatabaseError, create_factory
from tests.conftest import URL_VARIABLES

pytestmark = pytest.mark.only_on("postgres")


@pytest.fixture
def url() -> str:
    url = os.environ.get(URL_VARIABLES["postgres"])
    if not url:
        pytest.fail("KONG_ORM_TEST_POSTGRES_URL is not set: run the tests with scripts/run-tests", pytrace=False)
    return url


@pytest.fixture
def factory(url: str) -> Iterator[DAOFactory]:
    with create_factory(url + "?purge_interval=0") as fresh:
        fresh.run_migrations()
        fresh.truncate_tables()
        yield fresh


@pytest.fixture
def holder(url: str) -> Iterator[Any]:
    """A connection of the test's own, to hold locks and to kill sessions."""
    connection = psycopg2.connect(url)
    connection.autocommit = True
    yield connection
    connection.close()


def _run(sql: str, url: str) -> list[Any]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _kill_when_waiting(url: str, then: Callable[[], None] = lambda: None) -> threading.Thread:
    """Kill the session that waits for a lock in this database, then call ``then``."""

    def kill() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            killed = _run(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'",
                url,
            )
            if killed:
                time.sleep(0.2)
                then()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=kill)
    thread.start()
    return thread


def _roll_back(holder: Any) -> None:
    holder.cursor().execute("ROLLBACK")  # psycopg2's rollback() does nothing in autocommit mode


def _hold_username(holder: Any, username: str) -> None:
    """An uncommitted row taking ``username``: a second writer of that value waits for it."""
    holder.cursor().execute(
        "BEGIN; INSERT INTO consumers (id, created_at, username) VALUES (%s, 0, %s)", (str(uuid.uuid4()), username)
    )


def test_an_insert_whose_session_dies_has_an_unknown_outcome(factory: DAOFactory, holder: Any, url: str) -> None:
    _hold_username(holder, "contested")
    killer = _kill_when_waiting(url)
    with pytest.raises(DatabaseError) as raised:
        factory.consumers.insert({"username": "contested"})
    killer.join()
    assert "connection lost during the write; its outcome is unknown" in str(raised.value)
    _roll_back(holder)
    assert factory.consumers.insert({"username": "contested"})["username"] == "contested"


def test_an_update_whose_commit_is_lost_has_an_unknown_outcome(factory: DAOFactory, holder: Any, url: str) -> None:
    consumer = factory.consumers.insert({"username": "before"})
    _hold_username(holder, "after")
    killer = _kill_when_waiting(url)
    with pytest.raises(DatabaseError) as raised:
        factory.consumers.update({"username": "after"}, {"id": consumer["id"]})
    killer.join()
    assert "its outcome is unknown" in str(raised.value)
    _roll_back(holder)
    assert factory.consumers.find({"id": consumer["id"]}) == consumer


def test_a_read_whose_session_dies_is_retried(factory: DAOFactory, holder: Any, url: str) -> None:
    factory.consumers.insert({"username": "counted"})
    holder.cursor().execute("BEGIN; LOCK TABLE consumers IN ACCESS EXCLUSIVE MODE")
    killer = _kill_when_waiting(url, then=lambda: _roll_back(holder))
    assert factory.consumers.count() == 1
    killer.join()


def test_sessions_closed_while_idle_are_replaced_before_a_write(factory: DAOFactory, url: str) -> None:
    consumer = factory.consumers.insert({"username": "idle"})
    assert factory.consumers.find({"id": consumer["id"]}) == consumer
    pids = ", ".join(str(link.dbapi.get_backend_pid()) for link in factory.backend.store._idle)  # type: ignore[attr-defined]
    assert _run(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN ({pids})", url)
    while _run(f"SELECT pid FROM pg_stat_activity WHERE pid IN ({pids})", url):
        time.sleep(0.02)
    assert factory.consumers.insert({"username": "next"})["username"] == "next"
    assert factory.consumers.update({"custom_id": "still here"}, {"id": consumer["id"]})["custom_id"] == "still here"


def _session_cursor(factory: DAOFactory) -> Any:
    """The cursor of a session the factory keeps between calls."""
    return factory.backend.store._idle[-1].cursor  # type: ignore[attr-defined]


def test_statements_are_prepared_again_when_the_session_lost_them(factory: DAOFactory) -> None:
    consumer = factory.consumers.insert({"username": "prepared"})
    assert factory.consumers.find({"id": consumer["id"]}) == consumer
    _session_cursor(factory).execute("DEALLOCATE ALL")
    assert factory.consumers.find({"id": consumer["id"]}) == consumer
    _session_cursor(factory).execute("DEALLOCATE ALL")
    assert factory.consumers.update({"custom_id": "again"}, {"id": consumer["id"]})["custom_id"] == "again"


def test_prepared_statements_can_be_turned_off(url: str, factory: DAOFactory) -> None:
    for option, expected_prepared in (("true", True), ("false", False)):
        with create_factory(f"{url}?purge_interval=0&prepared_statements={option}") as factory:
            consumer = factory.consumers.insert({"username": f"prepared-{option}"})
            factory.consumers.update({"custom_id": option}, {"id": consumer["id"]})
            assert factory.consumers.find({"id": consumer["id"]})["custom_id"] == option  # type: ignore[index]
            cursor = _session_cursor(factory)
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert (cursor.fetchone()[0] > 0) is expected_prepared
