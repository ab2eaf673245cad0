"""Expired rows are purged in the background, not only hidden."""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from kong_orm import create_factory
from kong_orm.purge import THREAD_NAME
from kong_orm.testing import count_statements


def _stored_rows(factory: object, entity_name: str) -> int:
    backend = factory.backend  # type: ignore[attr-defined]
    table = backend.models.table(entity_name)
    with backend.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_expired_rows_are_deleted_by_the_purger(tmp_path: Path) -> None:
    factory = create_factory(f"sqlite:///{tmp_path / 'purge.db'}?purge_interval=0.2")
    factory.run_migrations()
    factory.consumers.insert({"username": "brief"}, ttl=1)
    factory.consumers.insert({"username": "lasting"})
    deadline = time.monotonic() + 10
    while _stored_rows(factory, "consumers") > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stored_rows(factory, "consumers") == 1
    assert [row["username"] for row in factory.consumers.find_all()] == ["lasting"]
    factory.close()


def test_background_statements_do_not_count_in_a_block(tmp_path: Path) -> None:
    factory = create_factory(f"sqlite:///{tmp_path / 'quiet.db'}?purge_interval=0.01")
    factory.run_migrations()
    with count_statements(factory) as counted:
        time.sleep(0.2)
        factory.consumers.count()
    assert counted.count == 1
    factory.close()


def test_purging_can_be_turned_off(tmp_path: Path) -> None:
    factory = create_factory(f"sqlite:///{tmp_path / 'kept.db'}?purge_interval=0")
    factory.run_migrations()
    factory.consumers.insert({"username": "brief"}, ttl=1)
    time.sleep(1.5)
    assert factory.consumers.count() == 0
    assert _stored_rows(factory, "consumers") == 1
    assert factory.purge_expired() == 1
    assert _stored_rows(factory, "consumers") == 0
    factory.close()


def _purge_threads() -> int:
    return sum(thread.name == THREAD_NAME for thread in threading.enumerate())


def test_a_factory_dropped_without_close_stops_purging(tmp_path: Path) -> None:
    before = _purge_threads()
    factory = create_factory(f"sqlite:///{tmp_path / 'dropped.db'}?purge_interval=0.05")
    factory.run_migrations()
    assert _purge_threads() == before + 1
    del factory
    gc.collect()
    deadline = time.monotonic() + 5
    while _purge_threads() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _purge_threads() == before
