"""PostgreSQL faults on a private server of this module (the session's own
server is never touched): a restart under concurrent writers, and a server
frozen while its host still answers TCP.
"""
from __future__ import annotations

import itertools
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from kong_orm import DAOFactory, DatabaseError, create_factory
from tests.sql.private_server import PrivateServer, running_private_server

pytestmark = pytest.mark.only_on("postgres")

WRITERS = 6
TIMEOUT = 2  # seconds: the factory's ``timeout`` option
HANG_LIMIT = 60.0  # seconds after which a call is deemed hung, not slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServer]:
    yield from running_private_server(tmp_path_factory)


@pytest.fixture
def factory(server: PrivateServer) -> Iterator[DAOFactory]:
    with create_factory(server.url(timeout=TIMEOUT, purge_interval=0)) as factory:
        factory.truncate_tables()
        yield factory


@dataclass
class WriterLog:
    """What the writers were told: inserts acknowledged, and errors by call."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # username -> custom_id
    failed: dict[str, BaseException] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write_until(factory: DAOFactory, writer: int, stop: threading.Event, log: WriterLog) -> None:
    for number in itertools.count():
        if stop.is_set():
            return
        username = f"w{writer}-{number}"
        custom_id = uuid.uuid4().hex
        try:
            factory.consumers.insert({"username": username, "custom_id": custom_id})
        except BaseException as exc:  # every exception is recorded; the test judges them
            with log.lock:
                log.failed[username] = exc
            time.sleep(0.05)
        else:
            with log.lock:
                log.acknowledged[username] = custom_id


def _restart_under_writers(factory: DAOFactory, server: PrivateServer) -> WriterLog:
    log, stop = WriterLog(), threading.Event()
    writers = [
        threading.Thread(target=_write_until, args=(factory, number, stop, log), daemon=True)
        for number in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    time.sleep(1.5)
    server.stop()
    server.start()
    acknowledged_before = len(log.acknowledged)
    time.sleep(1.5)
    stop.set()
    for writer in writers:
        writer.join(HANG_LIMIT)
    assert not any(writer.is_alive() for writer in writers), "a writer hung after the restart"
    assert len(log.acknowledged) > acknowledged_before, "no insert succeeded after the restart"
    return log


def test_a_restart_under_writers_loses_no_acknowledged_insert(factory: DAOFactory, server: PrivateServer) -> None:
    log = _restart_under_writers(factory, server)
    assert log.failed, "the restart failed no call: nothing was tested"
    wrong = {username: exc for username, exc in log.failed.items() if type(exc) is not DatabaseError}
    assert not wrong, f"errors other than DatabaseError: {wrong}"
    assert all(str(exc).startswith("[postgres error] ") for exc in log.failed.values())
    stored = {row["username"]: row["custom_id"] for row in factory.consumers.find_all()}
    missing = {name for name in log.acknowledged if stored.get(name) != log.acknowledged[name]}
    assert not missing, f"acknowledged inserts missing after the restart: {sorted(missing)}"
    unexplained = set(stored) - set(log.acknowledged) - set(log.failed)
    assert not unexplained, f"rows nobody inserted: {sorted(unexplained)}"


def test_the_same_factory_serves_reads_again_after_the_restart(factory: DAOFactory, server: PrivateServer) -> None:
    kept = factory.consumers.insert({"username": "kept"})
    server.stop()
    try:
        with pytest.raises(DatabaseError):
            factory.consumers.find({"id": kept["id"]})
    finally:
        server.start()
    assert factory.consumers.find({"id": kept["id"]}) == kept


@contextmanager
def _frozen(server: PrivateServer) -> Iterator[None]:
    """SIGSTOP the server's processes: the host still answers TCP, the server nothing."""
    stopped = server.processes()
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


def _outcome_within(call: Callable[[], Any], limit: float) -> BaseException | None:
    """Run ``call`` in a thread; return the exception it raised (None if it returned)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test to judge
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    assert outcome, f"a frozen server held the call over {limit:.0f} s despite timeout={TIMEOUT}"
    return outcome[0]


@pytest.mark.parametrize(
    "verb",
    [
        lambda factory: factory.consumers.find({"id": uuid.uuid4()}),
        lambda factory: factory.consumers.insert({"username": f"frozen-{uuid.uuid4().hex}"}),
    ],
    ids=["find", "insert"],
)
def test_a_frozen_server_gives_a_database_error_then_the_factory_works_again(
    factory: DAOFactory, server: PrivateServer, verb: Callable[[DAOFactory], object]
) -> None:
    before = factory.consumers.insert({"username": "before"})
    assert factory.consumers.find({"id": before["id"]}) == before  # both engines hold a live connection
    with _frozen(server):
        error = _outcome_within(lambda: verb(factory), HANG_LIMIT)
    assert isinstance(error, DatabaseError), f"expected a DatabaseError, got {error!r}"
    assert str(error).startswith("[postgres error] ")
    assert factory.consumers.find({"id": before["id"]}) == before
    assert factory.consumers.count() in (1, 2)  # an insert's outcome may be unknown
