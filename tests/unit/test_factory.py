"""The factory's surface: DAOs by name, the process-wide singleton, closing."""
from __future__ import annotations

import importlib

import pytest

import kong_orm
from kong_orm import singletons


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


def test_two_factories_do_not_share_state() -> None:
    first, second = kong_orm.create_factory("sqlite://"), kong_orm.create_factory("sqlite://")
    first.run_migrations()
    second.run_migrations()
    first.consumers.insert({"username": "only-in-first"})
    assert second.consumers.count() == 0
    first.close()
    second.close()
