"""Round trips on Cassandra: a changed count is a performance change.

Lightweight transactions (``IF ...``, a Paxos round of four messages each)
are pinned separately: an insert takes one per unique value it claims, plus
one for the row only when the caller gave its key; a row referencing others
reads each parent before the write and again, at the serial consistency,
after it; an update is a read and one conditional write.
"""
from __future__ import annotations

import uuid

from kong_orm import DAOFactory
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key
from tests.cassandra.conftest import backend_of


def _verbs(statements: list[str]) -> list[str]:
    return [statement.split()[0].upper() for statement in statements]


def _lwts(statements: list[str]) -> int:
    return sum(" IF " in statement for statement in statements)


def test_a_generated_key_needs_no_transaction_a_given_one_does(factory: DAOFactory) -> None:
    with count_statements(factory) as generated:
        factory.consumers.insert({"username": "one"})
    with count_statements(factory) as given:
        factory.consumers.insert({"username": "two", "id": uuid.uuid4()})
    assert _verbs(generated.statements) == ["UPDATE", "INSERT"]
    assert _lwts(generated.statements) == 1
    assert _verbs(given.statements) == ["UPDATE", "INSERT"]
    assert _lwts(given.statements) == 2


def test_insert_is_one_write_and_a_claim_per_unique_value(factory: DAOFactory) -> None:
    with count_statements(factory) as counted:
        factory.nodes.insert({"name": "n1", "cluster_listening_address": "a:1"})  # key given: IF NOT EXISTS
        factory.consumers.insert({"username": "one"})
        factory.consumers.insert({"username": "two", "custom_id": "two"})
        factory.apis.insert({"request_host": "x.example.com", "request_path": "/x", "upstream_url": "http://u.com"})
    assert counted.count == 1 + 2 + 3 + 4
    assert _lwts(counted.statements) == 1 + 1 + 2 + 3


def test_plugin_insert_reads_each_parent_before_and_after(factory: DAOFactory) -> None:
    api, consumer = add_api(factory), add_consumer(factory)
    with count_statements(factory) as counted:
        add_plugin(factory, api)
        add_plugin(factory, api, consumer_id=consumer["id"])
    assert _verbs(counted.statements) == [
        *("SELECT", "UPDATE", "INSERT", "SELECT"),
        *("SELECT", "SELECT", "UPDATE", "INSERT", "SELECT", "SELECT"),
    ]
    assert _lwts(counted.statements) == 2


def test_insert_many_claims_every_value_then_writes_every_row(factory: DAOFactory) -> None:
    with count_statements(factory) as generated:
        factory.consumers.insert_many([{"username": f"u{n}", "custom_id": f"c{n}"} for n in range(5)])
    with count_statements(factory) as given:
        factory.consumers.insert_many([{"username": f"g{n}", "id": uuid.uuid4()} for n in range(5)])
    assert _verbs(generated.statements) == ["UPDATE"] * 10 + ["INSERT"] * 5
    assert _lwts(generated.statements) == 10
    assert _verbs(given.statements) == ["UPDATE"] * 5 + ["INSERT"] * 5
    assert _lwts(given.statements) == 10


def test_plugin_insert_many_reads_each_parent_once_before_and_once_after(factory: DAOFactory) -> None:
    apis, consumer = [add_api(factory) for _ in range(2)], add_consumer(factory)
    rows = [
        {"name": "rate-limiting", "api_id": api["id"], "consumer_id": consumer_id, "config": {"second": 5}}
        for api in apis
        for consumer_id in (None, consumer["id"])
    ]
    with count_statements(factory) as counted:
        factory.plugins.insert_many(rows)
    # 3 parents (2 apis, 1 consumer), a group claim per row, the rows, the parents at SERIAL
    assert _verbs(counted.statements) == ["SELECT"] * 3 + ["UPDATE"] * 4 + ["INSERT"] * 4 + ["SELECT"] * 3
    assert _lwts(counted.statements) == 4


def test_update_reads_the_row_and_writes_once(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with count_statements(factory) as counted:
        factory.plugins.update({"config": {"minute": 60}}, plugin_key(plugin))
    assert _verbs(counted.statements) == ["SELECT", "BEGIN"]
    assert _lwts(counted.statements) == 1


def test_update_to_another_parent_reads_it_before_and_after(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    other = add_api(factory, request_host="other.example.com")
    with count_statements(factory) as counted:
        factory.plugins.update({"api_id": other["id"]}, plugin_key(plugin))
    # read, parent, claim of the new (name, api, consumer), write, release of the old, parent again
    assert _verbs(counted.statements) == ["SELECT", "SELECT", "UPDATE", "BEGIN", "DELETE", "SELECT"]
    assert _lwts(counted.statements) == 3


def test_update_of_a_unique_value_claims_the_new_and_releases_the_old(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="old")
    with count_statements(factory) as counted:
        factory.consumers.update({"username": "new"}, {"id": consumer["id"]})
    assert _verbs(counted.statements) == ["SELECT", "UPDATE", "BEGIN", "DELETE"]
    assert _lwts(counted.statements) == 3


def test_update_with_a_ttl_renews_and_releases_in_one_round_trip(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="old", custom_id="kept")
    with count_statements(factory) as counted:
        factory.consumers.update({"username": "new"}, {"id": consumer["id"]}, ttl=100)
    # read, claim the new name, write, then together: renew custom_id, release the old name;
    # then note when the row expires (for the purge to report it)
    assert _verbs(counted.statements) == ["SELECT", "UPDATE", "BEGIN", "UPDATE", "DELETE", "INSERT"]


def test_delete_reads_each_child_table_once_per_row(factory: DAOFactory) -> None:
    api = add_api(factory)
    for _ in range(3):
        add_plugin(factory, api, consumer_id=add_consumer(factory)["id"])
    with count_statements(factory) as counted:
        factory.apis.delete({"id": api["id"]})
    # the api: note the cascade and read (sent together), delete, release name and host; its
    # plugins: one read, then a delete and a group release each; then the cascade's note is dropped
    assert counted.count == 5 + 1 + 3 * 2 + 1
    assert _lwts(counted.statements) == 3 + 3 * 2
    assert _verbs(counted.statements[:2]) == ["INSERT", "SELECT"] and "cascades" in counted.statements[0]
    assert _verbs(counted.statements[-1:]) == ["DELETE"] and "cascades" in counted.statements[-1]


def test_delete_of_a_missing_row_drops_the_note_it_sent_with_its_read(factory: DAOFactory) -> None:
    with count_statements(factory) as counted:
        assert factory.apis.delete({"id": uuid.uuid4()}) is None
    assert _verbs(counted.statements) == ["INSERT", "SELECT", "DELETE"]
    assert backend_of(factory).keyspace.cascades.pending() == []


def test_find_is_one_statement(factory: DAOFactory) -> None:
    consumer = add_consumer(factory)
    with count_statements(factory) as counted:
        factory.consumers.find({"id": consumer["id"]})
    assert _verbs(counted.statements) == ["SELECT"]


def test_values_are_bound_and_statements_prepared_once(factory: DAOFactory) -> None:
    backend = backend_of(factory)
    with count_statements(factory) as counted:
        for n in range(3):
            factory.consumers.insert({"username": f"'; DROP TABLE x; -- {n}"})
    assert not any("DROP" in statement for statement in counted.statements)
    assert len(set(counted.statements)) == 2
    prepared = {cql for _, cql in backend.statements._prepared}
    assert set(counted.statements) <= prepared
