"""delete: returned rows, missing rows, transitive cascades."""
from __future__ import annotations

import uuid

import pytest

from kong_orm.errors import SchemaError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key


def test_delete_returns_the_deleted_row(factory: DAOFactory) -> None:
    api = add_api(factory)
    assert factory.apis.delete({"id": api["id"], "name": "ignored"}) == api
    assert factory.apis.find({"id": api["id"]}) is None
    assert factory.apis.count() == 0


def test_delete_of_a_missing_row_is_none(factory: DAOFactory) -> None:
    assert factory.apis.delete({"id": uuid.uuid4()}) is None


def test_delete_needs_the_whole_primary_key(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with pytest.raises(ValueError, match="Missing PRIMARY KEY field"):
        factory.plugins.delete({"id": plugin["id"]})
    with pytest.raises(SchemaError):
        factory.plugins.delete({"id": "x", "name": plugin["name"]})
    assert factory.plugins.delete(plugin_key(plugin)) == plugin


def test_deleting_an_api_deletes_its_plugins(factory: DAOFactory) -> None:
    api, other = add_api(factory), add_api(factory)
    add_plugin(factory, api)
    add_plugin(factory, api, name="key-auth", config={})
    kept = add_plugin(factory, other)
    factory.apis.delete({"id": api["id"]})
    assert factory.plugins.find_all() == [kept]


def test_deleting_a_consumer_deletes_its_plugins(factory: DAOFactory) -> None:
    api, consumer = add_api(factory), add_consumer(factory)
    add_plugin(factory, api, consumer_id=consumer["id"])
    kept = add_plugin(factory, api)
    factory.consumers.delete({"id": consumer["id"]})
    assert factory.plugins.find_all() == [kept]
    assert factory.apis.count() == 1


def test_deleted_unique_values_are_free_again(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="again", custom_id="again")
    factory.consumers.delete({"id": consumer["id"]})
    assert add_consumer(factory, username="again", custom_id="again")["username"] == "again"
    api = add_api(factory)
    plugin = add_plugin(factory, api)
    factory.plugins.delete(plugin_key(plugin))
    add_plugin(factory, api)
