"""Events: after commit, in the writing thread, with full rows."""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from kong_orm.errors import UniqueError
from kong_orm.events import EventType
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key

Event = tuple[EventType, str, Mapping[str, Any]]


@pytest.fixture
def events(factory: DAOFactory) -> Iterator[list[Event]]:
    received: list[Event] = []
    unsubscribe = factory.events.subscribe(lambda kind, entity, row: received.append((kind, entity, dict(row))))
    yield received
    unsubscribe()


def test_event_types_are_strings() -> None:
    assert EventType.ENTITY_CREATED == "ENTITY_CREATED"
    assert EventType.ENTITY_UPDATED == "ENTITY_UPDATED"
    assert EventType.ENTITY_DELETED == "ENTITY_DELETED"


def test_insert_publishes_the_created_row(factory: DAOFactory, events: list[Event]) -> None:
    api = add_api(factory)
    assert events == [(EventType.ENTITY_CREATED, "apis", api)]


def test_update_publishes_the_old_row(factory: DAOFactory, events: list[Event]) -> None:
    api = add_api(factory)
    factory.apis.update({"preserve_host": True}, {"id": api["id"]})
    assert events[-1] == (EventType.ENTITY_UPDATED, "apis", api)


def test_delete_publishes_every_cascaded_row(factory: DAOFactory, events: list[Event]) -> None:
    api = add_api(factory)
    plugins = [add_plugin(factory, api), add_plugin(factory, api, name="key-auth", config={})]
    events.clear()
    factory.apis.delete({"id": api["id"]})
    assert events[0] == (EventType.ENTITY_DELETED, "apis", api)
    assert sorted(events[1:], key=lambda e: e[2]["name"]) == [
        (EventType.ENTITY_DELETED, "plugins", plugin) for plugin in sorted(plugins, key=lambda p: p["name"])
    ]


def test_failed_writes_publish_nothing(factory: DAOFactory, events: list[Event]) -> None:
    add_consumer(factory, username="taken")
    events.clear()
    with pytest.raises(UniqueError):
        add_consumer(factory, username="taken")
    assert factory.consumers.update({"username": "x"}, {"id": uuid.uuid4()}) is None
    assert factory.consumers.delete({"id": uuid.uuid4()}) is None
    assert events == []


def test_subscribers_run_in_the_writing_thread(factory: DAOFactory) -> None:
    threads: list[threading.Thread] = []
    unsubscribe = factory.events.subscribe(lambda *event: threads.append(threading.current_thread()))
    try:
        add_consumer(factory)
    finally:
        unsubscribe()
    assert threads == [threading.current_thread()]


def test_a_failing_subscriber_is_logged_and_the_write_stays(
    factory: DAOFactory, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*event: object) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = factory.events.subscribe(explode)
    try:
        with caplog.at_level(logging.ERROR, logger="kong_orm.events"):
            consumer = add_consumer(factory)
    finally:
        unsubscribe()
    assert "subscriber bug" in caplog.text
    assert factory.consumers.find({"id": consumer["id"]}) == consumer


def test_plugin_update_event_carries_the_old_config(factory: DAOFactory, events: list[Event]) -> None:
    plugin = add_plugin(factory, add_api(factory))
    factory.plugins.update({"config": {"minute": 100}}, plugin_key(plugin))
    assert events[-1] == (EventType.ENTITY_UPDATED, "plugins", plugin)


def test_subscribers_cannot_change_the_callers_row(factory: DAOFactory) -> None:
    def vandal(kind: EventType, entity: str, row: Any) -> None:
        row["username"] = "changed"

    unsubscribe = factory.events.subscribe(vandal)
    try:
        consumer = factory.consumers.insert({"username": "original"})
    finally:
        unsubscribe()
    assert consumer["username"] == "original"


def test_each_unsubscribe_removes_only_its_own_subscription(factory: DAOFactory) -> None:
    received: list[str] = []

    def record(kind: EventType, entity: str, row: Mapping[str, Any]) -> None:
        received.append(row["username"])

    first, second = factory.events.subscribe(record), factory.events.subscribe(record)
    try:
        add_consumer(factory, username="twice")
        first()
        first()
        add_consumer(factory, username="once")
    finally:
        second()
    add_consumer(factory, username="unheard")
    assert received == ["twice", "twice", "once"]


def test_subscribers_cannot_change_the_row_other_subscribers_get(factory: DAOFactory) -> None:
    kept: list[Mapping[str, Any]] = []

    def keep(kind: EventType, entity: str, row: Mapping[str, Any]) -> None:
        kept.append(row)

    def vandal(kind: EventType, entity: str, row: Any) -> None:
        row["name"] = "changed"
        row["config"]["second"] = 0

    api = add_api(factory)
    unsubscribes = [factory.events.subscribe(subscriber) for subscriber in (keep, vandal, keep)]
    try:
        plugin = add_plugin(factory, api)
    finally:
        for unsubscribe in unsubscribes:
            unsubscribe()
    assert kept == [plugin, plugin]
    assert plugin["name"] == "rate-limiting" and plugin["config"]["second"] == 5
