"""Round trips on Cassandra: a changed count is a performance change.

An insert is one write plus one lightweight transaction per unique value it
claims plus one read per parent it references; every write is conditional.
"""
from __future__ import annotations

from kong_orm import DAOFactory
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key
from tests.cassandra.conftest import backend_of


def _verbs(statements: list[str]) -> list[str]:
    return [statement.split()[0].upper() for statement in statements]


def test_insert_is_one_write_and_a_claim_per_unique_value(factory: DAOFactory) -> None:
    with count_statements(factory) as counted:
        factory.nodes.insert({"name": "n1", "cluster_listening_address": "a:1"})
        factory.consumers.insert({"username": "one"})
        factory.consumers.insert({"username": "two", "custom_id": "two"})
        factory.apis.insert({"request_host": "x.example.com", "request_path": "/x", "upstream_url": "http://u.com"})
    assert counted.count == 1 + 2 + 3 + 4
    assert all(" IF " in statement for statement in counted.statements)


def test_plugin_insert_reads_each_parent_once(factory: DAOFactory) -> None:
    api, consumer = add_api(factory), add_consumer(factory)
    with count_statements(factory) as counted:
        add_plugin(factory, api)
        add_plugin(factory, api, consumer_id=consumer["id"])
    assert _verbs(counted.statements) == ["SELECT", "UPDATE", "INSERT", "SELECT", "SELECT", "UPDATE", "INSERT"]


def test_update_reads_the_row_and_writes_once(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with count_statements(factory) as counted:
        factory.plugins.update({"config": {"minute": 60}}, plugin_key(plugin))
    assert _verbs(counted.statements) == ["SELECT", "BEGIN"]


def test_update_of_a_unique_value_claims_the_new_and_releases_the_old(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="old")
    with count_statements(factory) as counted:
        factory.consumers.update({"username": "new"}, {"id": consumer["id"]})
    assert _verbs(counted.statements) == ["SELECT", "UPDATE", "BEGIN", "DELETE"]


def test_delete_reads_each_child_table_once_per_row(factory: DAOFactory) -> None:
    api = add_api(factory)
    for _ in range(3):
        add_plugin(factory, api, consumer_id=add_consumer(factory)["id"])
    with count_statements(factory) as counted:
        factory.apis.delete({"id": api["id"]})
    # the api: read, delete, release name and host; its plugins: one read, then a
    # delete and a group release each
    assert counted.count == 4 + 1 + 3 * 2


def test_values_are_bound_and_statements_prepared_once(factory: DAOFactory) -> None:
    backend = backend_of(factory)
    with count_statements(factory) as counted:
        for n in range(3):
            factory.consumers.insert({"username": f"'; DROP TABLE x; -- {n}"})
    assert not any("DROP" in statement for statement in counted.statements)
    assert len(set(counted.statements)) == 2
    prepared = {cql for _, cql in backend.statements._prepared}
    assert set(counted.statements) <= prepared
