"""TTL: rows vanish from every read once expired, and free their unique values;
a purge deletes them with the rows referencing them and reports each.

The purge tests use the ``events`` fixture of :mod:`test_events`.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from kong_orm.errors import DatabaseError, ForeignKeyError
from kong_orm.events import EventType
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key
from kong_orm.testing.contract.test_events import Event

# Cassandra counts TTLs in whole seconds from the second a write lands in, so a
# 1 s TTL may end at once: rows that must be seen alive first live 2 s.
TTL = 2


def test_expired_rows_vanish_and_free_their_unique_values(factory: DAOFactory) -> None:
    brief = factory.consumers.insert({"username": "brief", "custom_id": "b"}, ttl=TTL)
    short_lived_api = add_api(factory, ttl=TTL)
    lasting = add_consumer(factory, username="lasting")
    node = factory.nodes.insert({"name": "n1", "cluster_listening_address": "127.0.0.1:1"})
    factory.nodes.update({"cluster_listening_address": "127.0.0.1:2"}, {"name": "n1"}, ttl=TTL)
    assert factory.consumers.find({"id": brief["id"]}) == brief
    assert factory.nodes.find({"name": "n1"}) == {**node, "cluster_listening_address": "127.0.0.1:2"}
    time.sleep(TTL + 1.2)
    assert factory.consumers.find({"id": brief["id"]}) is None
    assert factory.consumers.find_all() == [lasting]
    assert factory.consumers.count() == 1
    assert factory.consumers.find_page() == ([lasting], None)
    assert factory.consumers.find_all({"username": "brief"}) == []
    assert factory.nodes.find({"name": node["name"]}) is None
    again = factory.consumers.insert({"username": "brief", "custom_id": "b"})
    assert factory.consumers.find({"id": again["id"]}) == again
    assert factory.consumers.delete({"id": brief["id"]}) is None
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert({"name": "rate-limiting", "api_id": short_lived_api["id"], "config": {"second": 1}})
    assert raised.value.errors == {"api_id": f"does not exist with value '{short_lived_api['id']}'"}


def test_count_is_the_number_of_live_rows_before_and_after_a_purge(factory: DAOFactory) -> None:
    for _ in range(2):
        add_api(factory)
    add_api(factory, ttl=600)
    for _ in range(3):
        add_api(factory, ttl=TTL, preserve_host=True)
    renewed = add_api(factory, ttl=TTL)
    factory.apis.update({"preserve_host": True}, {"id": renewed["id"]}, ttl=600)
    factory.consumers.insert({"username": "brief"}, ttl=TTL)
    assert factory.apis.count() == 7
    time.sleep(TTL + 1.2)
    assert factory.apis.count() == len(factory.apis.find_all()) == 4  # expired, not purged yet
    assert factory.apis.count({"preserve_host": True}) == 1
    assert factory.consumers.count() == 0  # every row expired
    assert factory.purge_expired() == 4
    assert factory.apis.count() == 4
    assert factory.consumers.count() == 0


@pytest.mark.parametrize("ttl", [0, -5, "10", 1.5, 10**9])
def test_ttl_must_be_a_positive_int(factory: DAOFactory, ttl: object) -> None:
    with pytest.raises(ValueError):
        factory.consumers.insert({"username": "x"}, ttl=ttl)  # type: ignore[arg-type]
    assert factory.consumers.count() == 0


def _deleted(events: list[Event]) -> list[tuple[str, str]]:
    """``(entity, id)`` of each ENTITY_DELETED event, in order."""
    return [(entity, str(row["id"])) for kind, entity, row in events if kind is EventType.ENTITY_DELETED]


def test_a_purge_reports_each_expired_row_and_takes_its_children_along(
    factory: DAOFactory, events: list[Event]
) -> None:
    api = add_api(factory, ttl=TTL)
    plugin = add_plugin(factory, api)
    lasting = add_api(factory)
    consumer = factory.consumers.insert({"username": "brief"}, ttl=TTL)
    assert factory.purge_expired() == 0
    events.clear()
    time.sleep(TTL + 1.2)
    assert factory.purge_expired() == 3
    assert sorted(events, key=lambda e: (e[1], str(e[2]["id"]))) == sorted(
        [
            (EventType.ENTITY_DELETED, "apis", api),
            (EventType.ENTITY_DELETED, "plugins", plugin),
            (EventType.ENTITY_DELETED, "consumers", consumer),
        ],
        key=lambda e: (e[1], str(e[2]["id"])),
    )
    assert _deleted(events).index(("apis", str(api["id"]))) < _deleted(events).index(("plugins", str(plugin["id"])))
    assert factory.plugins.find(plugin_key(plugin)) is None
    assert factory.apis.find_all() == [lasting]
    events.clear()
    assert factory.purge_expired() == 0
    assert events == []


def test_a_purge_reports_an_expired_row_as_last_written(factory: DAOFactory, events: list[Event]) -> None:
    api = add_api(factory, ttl=TTL)
    updated = factory.apis.update({"upstream_url": "http://changed.example.com"}, {"id": api["id"]})
    events.clear()
    time.sleep(TTL + 1.2)
    assert factory.purge_expired() == 1
    assert events == [(EventType.ENTITY_DELETED, "apis", updated)]


def test_a_purge_does_not_report_deleted_or_renewed_rows(factory: DAOFactory, events: list[Event]) -> None:
    deleted = add_api(factory, ttl=TTL)
    renewed = add_api(factory, ttl=TTL)
    factory.apis.delete({"id": deleted["id"]})
    factory.apis.update({"preserve_host": True}, {"id": renewed["id"]}, ttl=60)
    events.clear()
    time.sleep(TTL + 1.2)
    assert factory.purge_expired() == 0
    assert events == []
    assert factory.apis.find({"id": renewed["id"]}) == {**renewed, "preserve_host": True}


def test_a_purge_reports_rows_inserted_together(factory: DAOFactory, events: list[Event]) -> None:
    stored = factory.consumers.insert_many([{"username": "brief1"}, {"username": "brief2"}], ttl=TTL)
    events.clear()
    time.sleep(TTL + 1.2)
    assert factory.purge_expired() == 2
    assert sorted(events, key=lambda e: e[2]["username"]) == [
        (EventType.ENTITY_DELETED, "consumers", row) for row in stored
    ]


def test_a_purge_that_fails_partway_reports_the_rows_it_deleted(
    factory: DAOFactory, events: list[Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    factory.consumers.insert_many([{"username": "brief1"}, {"username": "brief2"}], ttl=TTL)
    events.clear()
    time.sleep(TTL + 1.2)
    purge = factory.backend.purge_expired

    def failing_after_the_first_row() -> Iterator[list[tuple[str, dict[str, object]]]]:
        yield next(purge())  # the store deleted and yielded one row; the next step fails
        raise DatabaseError(factory.config.database, "the store went away")

    monkeypatch.setattr(factory.backend, "purge_expired", failing_after_the_first_row)
    with pytest.raises(DatabaseError):
        factory.purge_expired()
    assert len(events) == 1
    monkeypatch.undo()
    assert factory.purge_expired() == 1  # the store deleted one row before it yielded it
    assert sorted(row["username"] for _, _, row in events) == ["brief1", "brief2"]
