"""Statements and round trips on the happy path: a changed count is a performance change.

A message is what the store sends at once: on PostgreSQL one round trip,
``BEGIN`` and ``COMMIT`` included; SQLite runs its statements one call each.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kong_orm import DAOFactory
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, api_values, plugin_key


@contextmanager
def messages(factory: DAOFactory) -> Iterator[list[list[str]]]:
    """The messages sent inside the block, each as its list of statements."""
    store = factory.backend.store  # type: ignore[attr-defined]
    sent: list[list[str]] = []
    observer = sent.append
    store.observers += (observer,)
    try:
        yield sent
    finally:
        store.observers = tuple(o for o in store.observers if o is not observer)


def _starts(message: list[str]) -> list[str]:
    return [statement.split()[0].upper() for statement in message]


def test_insert_is_one_statement_committed_on_its_own(factory: DAOFactory) -> None:
    api = add_api(factory)
    with count_statements(factory) as counted, messages(factory) as sent:
        factory.apis.insert(api_values())
        add_plugin(factory, api)
    assert counted.count == 2
    assert all(statement.lstrip().upper().startswith("INSERT") for statement in counted.statements)
    assert [_starts(message) for message in sent] == [["INSERT"], ["INSERT"]]


def test_find_is_one_message(factory: DAOFactory) -> None:
    api = add_api(factory)
    with messages(factory) as sent:
        factory.apis.find({"id": api["id"]})
    assert [_starts(message) for message in sent] == [["SELECT"]]


def test_a_whole_table_count_is_one_message(factory: DAOFactory) -> None:
    add_consumer(factory)
    with messages(factory) as sent:
        factory.consumers.count()
    assert [_starts(message) for message in sent] == [["SELECT"]]


def test_update_is_two_messages(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with count_statements(factory) as counted, messages(factory) as sent:
        factory.plugins.update({"config": {"minute": 60}}, plugin_key(plugin))
    assert counted.count == 2
    assert [_starts(message) for message in sent] == [["BEGIN", "SELECT"], ["UPDATE", "COMMIT"]]


def test_update_to_another_parent_checks_it_in_the_write(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    other = add_api(factory)
    with messages(factory) as sent:
        factory.plugins.update({"api_id": other["id"]}, plugin_key(plugin))
    assert [_starts(message) for message in sent] == [["BEGIN", "SELECT"], ["UPDATE"], ["COMMIT"]]


def test_delete_without_child_tables_is_one_statement(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with count_statements(factory) as counted, messages(factory) as sent:
        factory.plugins.delete(plugin_key(plugin))
    assert counted.count == 1
    assert [_starts(message) for message in sent] == [["DELETE"]]


def test_delete_with_child_tables(factory: DAOFactory) -> None:
    """PostgreSQL deletes and reads what the cascade removes in one statement;
    SQLite reads each descendant table once, then deletes."""
    api, consumer = add_api(factory), add_consumer(factory)
    for _ in range(3):
        add_plugin(factory, api, consumer_id=add_consumer(factory)["id"])
    postgres = factory.database == "postgres"
    for entity, key in (("apis", api["id"]), ("consumers", consumer["id"])):
        tables = _descendant_tables(factory, entity)
        with count_statements(factory) as counted, messages(factory) as sent:
            factory.dao(entity).delete({"id": key})
        if postgres:
            assert [_starts(message) for message in sent] == [["WITH"]]
        else:
            reads = [["BEGIN", "SELECT"], *[["SELECT"]] * (tables - 1)]
            assert [_starts(message) for message in sent] == [*reads, ["DELETE"], ["COMMIT"]]
        assert counted.count == (1 if postgres else tables + 1)


def test_insert_many_and_increment_are_one_transaction_in_one_message(factory: DAOFactory) -> None:
    api = add_api(factory)
    with messages(factory) as sent:
        factory.consumers.insert_many({"username": f"bulk{n}"} for n in range(50))
    assert [_starts(message) for message in sent] == [["BEGIN", "INSERT", "COMMIT"]]
    with messages(factory) as sent:
        factory.dao("ratelimiting_metrics").increment(api["id"], "ip", 0, 1)  # one row per period
    assert len(sent) == 1
    assert _starts(sent[0])[0] == "BEGIN" and _starts(sent[0])[-1] == "COMMIT"
    assert set(_starts(sent[0])[1:-1]) == {"INSERT"}


def _descendant_tables(factory: DAOFactory, name: str) -> int:
    """How many child tables (children of children included) a delete of ``name`` reads."""
    children = factory.catalog.children(factory.catalog[name])
    return sum(1 + _descendant_tables(factory, child.entity.name) for child in children)
