"""The ``factory`` fixture: one factory per backend, migrated once, emptied per test.

Backends come from ``$KONG_ORM_TEST_BACKENDS`` (default ``sqlite,postgres,cassandra``);
server URLs from ``$KONG_ORM_TEST_POSTGRES_URL`` and ``$KONG_ORM_TEST_CASSANDRA_URL``,
which ``scripts/run-tests`` sets after starting the servers. A backend whose
server is not configured or not reachable fails the run; nothing is skipped.

A test that needs one store (``@pytest.mark.only_on("postgres")``, and every
test under ``tests/cassandra/``) is deselected when that store is not in the
backend list, and runs (failing if the server is missing) when it is.
"""
from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kong_orm import DAOFactory, create_factory
from kong_orm.config import Config, as_config
from kong_orm.purge import THREAD_NAME as PURGE_THREAD

BACKENDS = os.environ.get("KONG_ORM_TEST_BACKENDS", "sqlite,postgres,cassandra").split(",")
URL_VARIABLES = {"postgres": "KONG_ORM_TEST_POSTGRES_URL", "cassandra": "KONG_ORM_TEST_CASSANDRA_URL"}
STORE_FOLDERS = {Path(__file__).parent / "cassandra": "cassandra"}


def stores_needed(item: pytest.Item) -> set[str]:
    """The backends a test cannot run without."""
    needed = {name for mark in item.iter_markers("only_on") for name in mark.args}
    return needed | {store for folder, store in STORE_FOLDERS.items() if item.path.is_relative_to(folder)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unwanted = [item for item in items if not stores_needed(item) <= set(BACKENDS)]
    if unwanted:
        config.hook.pytest_deselected(items=unwanted)
        items[:] = [item for item in items if item not in unwanted]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Close the factories a test made and left open: the purge thread of one left open
    would go on deleting, and reporting to itself, other tests' expired rows."""
    made: list[weakref.ref[DAOFactory]] = []
    original = DAOFactory.__init__

    def recording(self: DAOFactory, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(weakref.ref(self))

    DAOFactory.__init__ = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        DAOFactory.__init__ = original  # type: ignore[method-assign]
        for made_by_test in made:
            left = made_by_test()
            if left is not None:
                left.close()


def backend_url(backend: str, scratch: Path) -> str:
    """The URL of the test database of ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{scratch / 'contract.db'}"
    url = os.environ.get(URL_VARIABLES[backend])
    if not url:
        pytest.fail(f"{URL_VARIABLES[backend]} is not set: run the tests with scripts/run-tests", pytrace=False)
    return url


def quiet_config(backend: str, scratch: Path) -> Config:
    """The config of the test database of ``backend``, without the background purge.

    Purges are the tests' own: a factory purging in the background on the shared
    test database would take other tests' expired rows and report them to itself.
    """
    config = as_config(backend_url(backend, scratch))
    return Config(config.database, config.url, {**config.options, "purge_interval": 0})


def open_migrated(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DAOFactory]:
    """A factory on a fresh schema of ``backend``, closed at the end."""
    factory = create_factory(quiet_config(backend, tmp_path_factory.mktemp(backend)))
    factory.drop_schema()
    factory.run_migrations()
    yield factory
    factory.close()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_factory(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DAOFactory]:
    yield from open_migrated(request.param, tmp_path_factory)


def assert_no_background_purge() -> None:
    """Fail if a factory purges in the background: it would take the expired rows the
    tests' own purges expect (a purge thread that was stopped ends within the second)."""
    for thread in threading.enumerate():
        if thread.name == PURGE_THREAD:
            thread.join(timeout=1.0)
            assert not thread.is_alive(), (
                "a factory kept by the tests purges in the background: open it with quiet_config"
            )


@pytest.fixture
def factory(migrated_factory: DAOFactory) -> Iterator[DAOFactory]:
    assert_no_background_purge()
    migrated_factory.truncate_tables()
    yield migrated_factory
    migrated_factory.events.clear()
