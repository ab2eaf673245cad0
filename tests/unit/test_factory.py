"""The factory's surface: DAOs by name, the process-wide singleton, closing."""
from __future__ import annotations

import importlib

import pytest

import kong_orm
from kong_orm import singletons
from kong_orm.backends.sql import SQLBackend
from kong_orm.events import Events
from kong_orm.repository import Repository
from kong_orm.schema.entity import Entity


def test_factory_has_a_dao_per_core_entity() -> None:
    with kong_orm.create_factory("sqlite://") as factory:
        for name in ("apis", "consumers", "plugins", "nodes"):
            assert factory.dao(name) is getattr(factory, name)
            assert factory.dao(name).name == name
        assert factory.database == "sqlite"
        with pytest.raises(KeyError, match="no entity named 'nope'"):
            factory.dao("nope")


def test_init_sets_the_process_wide_factory() -> None:
    factory = kong_orm.init("sqlite://")
    try:
        assert singletons.dao is factory
        singletons.dao.run_migrations()
        api = singletons.dao.apis.insert({"request_host": "single.example.com", "upstream_url": "http://up.example.com"})
        assert factory.apis.find({"id": api["id"]}) == api
    finally:
        factory.close()
        del singletons.dao


def test_singleton_before_init_says_what_to_do() -> None:
    importlib.reload(singletons)
    with pytest.raises(RuntimeError, match=r"kong_orm.init"):
        singletons.dao  # noqa: B018
    with pytest.raises(AttributeError, match=r"no factory yet: call kong_orm.init\(config\) first"):
        singletons.dao  # noqa: B018


def test_singleton_before_init_is_an_absent_attribute() -> None:
    importlib.reload(singletons)
    assert not hasattr(singletons, "dao")
    assert getattr(singletons, "dao", None) is None


def test_two_factories_do_not_share_state() -> None:
    first, second = kong_orm.create_factory("sqlite://"), kong_orm.create_factory("sqlite://")
    first.run_migrations()
    second.run_migrations()
    first.consumers.insert({"username": "only-in-first"})
    assert second.consumers.count() == 0
    first.close()
    second.close()


def test_a_factory_that_fails_to_build_closes_its_store(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[SQLBackend] = []
    close = SQLBackend.close

    def recorded_close(backend: SQLBackend) -> None:
        closed.append(backend)
        close(backend)

    def broken(backend: SQLBackend, entity: Entity, events: Events) -> Repository:
        raise RuntimeError(f"no repository for {entity.name}")

    monkeypatch.setattr(SQLBackend, "close", recorded_close)
    monkeypatch.setattr(SQLBackend, "repository", broken)
    with pytest.raises(RuntimeError, match="no repository for apis"):
        kong_orm.create_factory("sqlite://?purge_interval=0")
    assert len(closed) == 1
