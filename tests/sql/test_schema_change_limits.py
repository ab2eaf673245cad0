"""Schema changes on PostgreSQL are not cut short: a migration may rewrite big tables, so
neither the statement timeout nor the client-side bound applies to it, and both apply
again to the next call on the same connection."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from kong_orm import DatabaseError, create_factory
from tests.conftest import backend_url

pytestmark = pytest.mark.only_on("postgres")

TIMEOUT = 0.5
"""The factory's timeout: statements end after 0.5 s, calls are cut after 1.5 s."""
LONGER = "SELECT pg_sleep(2)"


def _sleep(conn: Connection) -> Any:
    conn.exec_driver_sql(LONGER)
    return conn.connection.dbapi_connection


def _sleep_past_the_client_bound(seen: list[Any]) -> Any:
    def sleep(conn: Connection) -> Any:
        seen.append(conn.connection.dbapi_connection)
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")  # only the client-side bound is left
        return _sleep(conn)

    return sleep


def test_a_schema_change_outlasts_the_timeouts_that_bound_other_calls(tmp_path: Path) -> None:
    url = backend_url("postgres", tmp_path)
    with create_factory(f"{url}?purge_interval=0&timeout={TIMEOUT}") as factory:
        store = factory.backend.store  # type: ignore[attr-defined]
        changed_on = store.write(_sleep, schema_change=True)
        with pytest.raises(DatabaseError) as by_server:
            store.write(_sleep)
        assert "statement timeout" in str(by_server.value)
        seen: list[Any] = []
        with pytest.raises(DatabaseError) as by_client:
            store.write(_sleep_past_the_client_bound(seen))
        assert "no answer from the server within 1.5 s" in str(by_client.value)
        assert seen == [changed_on]  # the same connection: its bound came back after the schema change
