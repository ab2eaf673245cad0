"""Migrations, schema drop and truncation."""
from __future__ import annotations

import pytest

from kong_orm.errors import DatabaseError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer

CORE = {"core": ["0001_core_schema"]}


def test_current_migrations_lists_the_core_ones(factory: DAOFactory) -> None:
    assert factory.current_migrations() == CORE


def test_running_migrations_twice_changes_nothing(factory: DAOFactory) -> None:
    api = add_api(factory)
    assert factory.run_migrations() == {}
    assert factory.current_migrations() == CORE
    assert factory.apis.find({"id": api["id"]}) == api


def test_truncate_empties_every_table(factory: DAOFactory) -> None:
    add_api(factory)
    add_consumer(factory)
    factory.truncate_tables()
    assert factory.apis.count() == 0 and factory.consumers.count() == 0
    assert factory.current_migrations() == CORE


def test_dropped_schema_raises_database_errors_until_migrated(factory: DAOFactory) -> None:
    add_consumer(factory, username="before")
    factory.drop_schema()
    try:
        assert factory.current_migrations() == {}
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.find_all()
        assert str(raised.value).startswith(f"[{factory.database} error] ")
        with pytest.raises(DatabaseError):
            factory.consumers.insert({"username": "after"})
    finally:
        assert factory.run_migrations() == CORE
    assert factory.consumers.count() == 0
    add_consumer(factory, username="before")
