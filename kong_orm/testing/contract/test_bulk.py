"""insert_many: every row or none, each validated as insert validates one, errors naming the row."""
from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from kong_orm.errors import ForeignKeyError, SchemaError, UniqueError
from kong_orm.events import EventType
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, api_values


def test_insert_many_stores_every_row_and_returns_them(factory: DAOFactory) -> None:
    stored = factory.apis.insert_many([api_values(), api_values(request_path="/b"), api_values(name="named")])
    assert len(stored) == 3
    assert stored[2]["name"] == "named"
    assert stored[1]["request_path"] == "/b"
    for row in stored:
        assert factory.apis.find({"id": row["id"]}) == row
    assert factory.apis.count() == 3


def test_insert_many_takes_any_iterable_and_nothing(factory: DAOFactory) -> None:
    assert factory.consumers.insert_many([]) == []
    stored = factory.consumers.insert_many({"username": f"gen{n}"} for n in range(3))
    assert sorted(row["username"] for row in stored) == ["gen0", "gen1", "gen2"]


def test_insert_many_publishes_one_event_per_row_once_all_are_stored(factory: DAOFactory) -> None:
    seen: list[tuple[EventType, str, int]] = []
    factory.events.subscribe(lambda kind, entity, row: seen.append((kind, entity, factory.consumers.count())))
    factory.consumers.insert_many([{"username": "e1"}, {"username": "e2"}])
    assert seen == [(EventType.ENTITY_CREATED, "consumers", 2)] * 2


def test_invalid_rows_are_named_by_index_and_nothing_is_stored(factory: DAOFactory) -> None:
    rows: list[dict[str, Any]] = [api_values(), {"request_host": "x.example.com"}, api_values(), {"foo": 1}]
    with pytest.raises(SchemaError) as raised:
        factory.apis.insert_many(rows)
    assert raised.value.errors["rows[1].upstream_url"] == "upstream_url is required"
    assert raised.value.errors["rows[3].foo"] == "foo is an unknown field"
    assert not any(key.startswith(("rows[0]", "rows[2]")) for key in raised.value.errors)
    assert factory.apis.count() == 0


def test_a_value_taken_by_a_stored_row_stores_nothing(factory: DAOFactory) -> None:
    add_consumer(factory, username="taken")
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert_many([{"username": "free"}, {"username": "taken"}])
    assert raised.value.errors == {"rows[1].username": "already exists with value 'taken'"}
    assert [row["username"] for row in factory.consumers.find_all()] == ["taken"]


def test_a_value_repeated_within_the_batch_stores_nothing(factory: DAOFactory) -> None:
    rows = [{"username": "twice"}, {"username": "once"}, {"username": "twice"}]
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert_many(rows)
    assert raised.value.errors == {"rows[2].username": "already exists with value 'twice'"}
    assert factory.consumers.count() == 0


def test_a_missing_parent_is_named_and_nothing_is_stored(factory: DAOFactory) -> None:
    api, missing = add_api(factory), uuid.uuid4()
    rows = [
        {"name": "rate-limiting", "api_id": api["id"], "config": {"second": 1}},
        {"name": "rate-limiting", "api_id": missing, "config": {"second": 1}},
    ]
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert_many(rows)
    assert raised.value.errors == {"rows[1].api_id": f"does not exist with value '{missing}'"}
    assert factory.plugins.count() == 0


def test_rows_inserted_with_a_ttl_expire(factory: DAOFactory) -> None:
    stored = factory.consumers.insert_many([{"username": "brief1"}, {"username": "brief2"}], ttl=2)
    assert factory.consumers.count() == 2
    time.sleep(3.2)
    assert factory.consumers.find({"id": stored[0]["id"]}) is None
    assert factory.consumers.count() == 0
    factory.consumers.insert_many([{"username": "brief1"}])


def test_insert_many_checks_its_arguments_before_writing(factory: DAOFactory) -> None:
    with pytest.raises(ValueError):
        factory.consumers.insert_many([{"username": "x"}], ttl=0)
    with pytest.raises(TypeError):
        factory.consumers.insert_many([{"username": "y"}, "z"])  # type: ignore[list-item]
    assert factory.consumers.count() == 0


def test_a_failed_batch_leaves_every_value_free(factory: DAOFactory) -> None:
    add_consumer(factory, username="taken")
    free = [{"username": "free", "custom_id": "free-id"}, {"username": "also-free"}]
    with pytest.raises(UniqueError):
        factory.consumers.insert_many([free[0], {"username": "taken"}, free[1]])
    assert [row["username"] for row in factory.consumers.insert_many(free)] == ["free", "also-free"]


def test_every_row_whose_value_is_taken_is_named(factory: DAOFactory) -> None:
    add_consumer(factory, username="taken")
    add_consumer(factory, custom_id="taken-id")
    rows = [{"username": "taken"}, {"username": "free"}, {"username": "other", "custom_id": "taken-id"}]
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert_many(rows)
    assert raised.value.errors == {
        "rows[0].username": "already exists with value 'taken'",
        "rows[2].custom_id": "already exists with value 'taken-id'",
    }
    assert factory.consumers.count() == 2


def test_a_taken_key_stores_nothing_of_the_batch_and_publishes_nothing(factory: DAOFactory) -> None:
    stored = add_consumer(factory, username="first")
    seen: list[Any] = []
    factory.events.subscribe(lambda *event: seen.append(event))
    rows = [{"username": "earlier"}, {"id": stored["id"], "username": "later"}]
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert_many(rows)
    assert raised.value.errors == {"rows[1].id": f"already exists with value '{stored['id']}'"}
    assert factory.consumers.find_all() == [stored]
    assert seen == []
    assert len(factory.consumers.insert_many([{"username": "earlier"}, {"username": "later"}])) == 2


def test_a_key_repeated_within_the_batch_stores_nothing(factory: DAOFactory) -> None:
    key = uuid.uuid4()
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert_many([{"id": key, "username": "a"}, {"id": key, "username": "b"}])
    assert raised.value.errors == {"rows[1].id": f"already exists with value '{key}'"}
    assert factory.consumers.count() == 0
    assert len(factory.consumers.insert_many([{"id": key, "username": "a"}, {"username": "b"}])) == 2


def test_a_unique_combination_repeated_within_the_batch_is_named_by_its_message(factory: DAOFactory) -> None:
    api = add_api(factory)
    plugin = {"name": "rate-limiting", "api_id": api["id"], "config": {"second": 1}}
    with pytest.raises(UniqueError) as raised:
        factory.plugins.insert_many([plugin, {**plugin, "config": {"second": 2}}])
    assert raised.value.errors == {"rows[1]": "Plugin configuration already exists"}
    assert factory.plugins.count() == 0
    assert factory.plugins.insert_many([plugin])[0]["config"]["second"] == 1


def test_a_batch_refused_for_a_missing_parent_leaves_its_values_free(factory: DAOFactory) -> None:
    api, missing = add_api(factory), uuid.uuid4()
    plugin = {"name": "rate-limiting", "api_id": api["id"], "config": {"second": 1}}
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert_many([plugin, {**plugin, "consumer_id": missing}])
    assert raised.value.errors == {"rows[1].consumer_id": f"does not exist with value '{missing}'"}
    assert factory.plugins.insert_many([plugin])[0]["api_id"] == api["id"]


def test_a_batch_of_children_stores_each_under_its_parent(factory: DAOFactory) -> None:
    apis = [add_api(factory) for _ in range(3)]
    consumer = add_consumer(factory)
    rows = [
        {"name": "rate-limiting", "api_id": api["id"], "consumer_id": consumer_id, "config": {"second": 1}}
        for api in apis
        for consumer_id in (None, consumer["id"])
    ]
    stored = factory.plugins.insert_many(rows)
    assert factory.plugins.count() == 6
    factory.apis.delete({"id": apis[0]["id"]})
    assert sorted(row["api_id"] for row in factory.plugins.find_all()) == sorted(
        row["api_id"] for row in stored[2:]
    )
