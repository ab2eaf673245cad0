"""Round trips on the happy path: a changed count is a performance change."""
from __future__ import annotations

from kong_orm import DAOFactory
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, api_values, plugin_key


def test_insert_is_one_write(factory: DAOFactory) -> None:
    api = add_api(factory)
    with count_statements(factory) as counted:
        factory.apis.insert(api_values())
        add_plugin(factory, api)
    assert counted.count == 2
    assert all(statement.lstrip().upper().startswith("INSERT") for statement in counted.statements)


def test_update_reads_the_old_row_and_writes_once(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with count_statements(factory) as counted:
        factory.plugins.update({"config": {"minute": 60}}, plugin_key(plugin))
    assert counted.count == 2


def test_delete_reads_each_child_table_once_and_writes_once(factory: DAOFactory) -> None:
    api, consumer = add_api(factory), add_consumer(factory)
    for _ in range(3):
        add_plugin(factory, api, consumer_id=add_consumer(factory)["id"])
    with count_statements(factory) as counted:
        factory.apis.delete({"id": api["id"]})
    assert counted.count == 2
    descendant_tables = _descendant_tables(factory, "consumers")
    with count_statements(factory) as counted:
        factory.consumers.delete({"id": consumer["id"]})
    assert counted.count == descendant_tables + 1


def _descendant_tables(factory: DAOFactory, name: str) -> int:
    """How many child tables (children of children included) a delete of ``name`` reads."""
    children = factory.catalog.children(factory.catalog[name])
    return sum(1 + _descendant_tables(factory, child.entity.name) for child in children)
