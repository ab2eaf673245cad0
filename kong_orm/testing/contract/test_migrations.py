"""Migrations, schema drop and truncation."""
from __future__ import annotations

import pytest

from kong_orm.errors import DatabaseError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer


def served_components(factory: DAOFactory) -> set[str]:
    """Core, and every served plugin that brings migrations."""
    return {"core", *(plugin.name for plugin in factory.catalog.plugins if plugin.migrations is not None)}


def test_current_migrations_lists_core_and_each_plugin(factory: DAOFactory) -> None:
    current = factory.current_migrations()
    assert list(current)[0] == "core" and current["core"][0] == "0001_core_schema"
    assert set(current) == served_components(factory)
    assert all(names for names in current.values())


def test_running_migrations_twice_changes_nothing(factory: DAOFactory) -> None:
    api = add_api(factory)
    before = factory.current_migrations()
    assert factory.run_migrations() == {}
    assert factory.current_migrations() == before
    assert factory.apis.find({"id": api["id"]}) == api


def test_truncate_empties_every_table(factory: DAOFactory) -> None:
    add_api(factory)
    add_consumer(factory)
    before = factory.current_migrations()
    factory.truncate_tables()
    assert all(factory.dao(name).count() == 0 for name in factory.catalog.names)
    assert factory.current_migrations() == before


def test_dropped_schema_raises_database_errors_until_migrated(factory: DAOFactory) -> None:
    add_consumer(factory, username="before")
    applied = factory.current_migrations()
    factory.drop_schema()
    try:
        assert factory.current_migrations() == {}
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.find_all()
        assert str(raised.value).startswith(f"[{factory.database} error] ")
        with pytest.raises(DatabaseError):
            factory.consumers.insert({"username": "after"})
    finally:
        assert factory.run_migrations() == applied
    assert factory.consumers.count() == 0
    add_consumer(factory, username="before")
