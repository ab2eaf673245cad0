"""Plugins: config schemas from the registry, defaults, merges, uniqueness."""
from __future__ import annotations

import uuid

import pytest

from kong_orm.errors import SchemaError, UniqueError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key


def test_config_defaults_are_applied(factory: DAOFactory) -> None:
    plugin = factory.plugins.insert({"name": "key-auth", "api_id": add_api(factory)["id"]})
    assert plugin["config"] == {"key_names": ["apikey"], "hide_credentials": False}
    assert plugin["enabled"] is True and plugin["consumer_id"] is None


def test_config_strings_are_coerced(factory: DAOFactory) -> None:
    api = add_api(factory)
    plugin = factory.plugins.insert({"name": "key-auth", "api_id": api["id"], "config": {"key_names": "a, b"}})
    assert plugin["config"]["key_names"] == ["a", "b"]
    limited = add_plugin(factory, api, config={"second": "10", "async": "true"})
    assert limited["config"]["second"] == 10 and limited["config"]["async"] is True


def test_unknown_plugin_is_a_schema_error(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.plugins.insert({"name": "nope", "api_id": add_api(factory)["id"]})
    assert raised.value.errors == {"config": 'Plugin "nope" not found'}


def test_nested_errors_use_dotted_keys(factory: DAOFactory) -> None:
    api = add_api(factory)
    with pytest.raises(SchemaError) as raised:
        add_plugin(factory, api, config={"second": "lots", "colour": "red"})
    assert raised.value.errors == {
        "config.second": "second is not a number",
        "config.colour": "colour is an unknown field",
    }
    with pytest.raises(SchemaError) as raised:
        add_plugin(factory, api, config="second=1")
    assert str(raised.value) == "config=config is not a table"


@pytest.mark.parametrize(
    "config, message",
    [
        ({}, "You need to set at least one limit: second, minute, hour, day, month, year"),
        ({"second": 0}, "Value for second must be greater than zero"),
        ({"second": 10, "hour": 5}, "The limit for hour cannot be lower than the limit for second"),
    ],
)
def test_rate_limiting_checks_its_limits(factory: DAOFactory, config: dict[str, object], message: str) -> None:
    with pytest.raises(SchemaError) as raised:
        add_plugin(factory, add_api(factory), config=config)
    assert raised.value.errors == {"config": message}


def test_no_consumer_plugins_reject_a_consumer(factory: DAOFactory) -> None:
    api, consumer = add_api(factory), add_consumer(factory)
    with pytest.raises(SchemaError) as raised:
        factory.plugins.insert({"name": "key-auth", "api_id": api["id"], "consumer_id": consumer["id"]})
    assert raised.value.errors == {"consumer_id": "No consumer can be configured for that plugin"}


def test_same_plugin_twice_on_an_api_is_a_unique_error(factory: DAOFactory) -> None:
    api, consumer = add_api(factory), add_consumer(factory)
    add_plugin(factory, api)
    with pytest.raises(UniqueError) as raised:
        add_plugin(factory, api, config={"minute": 3})
    assert str(raised.value) == "Plugin configuration already exists"
    add_plugin(factory, api, consumer_id=consumer["id"])
    with pytest.raises(UniqueError):
        add_plugin(factory, api, consumer_id=consumer["id"])
    add_plugin(factory, add_api(factory))
    assert factory.plugins.count() == 3


def test_partial_config_update_is_merged_and_validated(factory: DAOFactory) -> None:
    api = add_api(factory)
    plugin = factory.plugins.insert({"name": "key-auth", "api_id": api["id"], "config": {"hide_credentials": True}})
    updated = factory.plugins.update({"config": {"key_names": ["token"]}}, plugin_key(plugin))
    assert updated is not None
    assert updated["config"] == {"key_names": ["token"], "hide_credentials": True}
    limited = add_plugin(factory, api, config={"second": 5, "minute": 50})
    with pytest.raises(SchemaError) as raised:
        factory.plugins.update({"config": {"minute": 1}}, plugin_key(limited))
    assert raised.value.errors == {"config": "The limit for minute cannot be lower than the limit for second"}


def test_update_without_config_keeps_it(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory), config={"second": 5, "hour": 500})
    updated = factory.plugins.update({"enabled": False}, plugin_key(plugin))
    assert updated == {**plugin, "enabled": False}


def test_plugin_name_is_part_of_its_key(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    assert factory.plugins.find({"id": plugin["id"], "name": "key-auth"}) is None
    assert factory.plugins.update({"enabled": False}, {"id": plugin["id"], "name": "key-auth"}) is None
    assert factory.plugins.find({"id": uuid.uuid4(), "name": plugin["name"]}) is None


def test_flexible_tables_nest_their_errors(factory: DAOFactory) -> None:
    api = add_api(factory)
    with pytest.raises(SchemaError) as raised:
        factory.plugins.insert(
            {"name": "response-ratelimiting", "api_id": api["id"], "config": {"limits": {"video": {"second": "x"}}}}
        )
    assert raised.value.errors == {"config.limits.video.second": "second is not a number"}
    plugin = factory.plugins.insert(
        {"name": "response-ratelimiting", "api_id": api["id"], "config": {"limits": {"video": {"second": "10"}}}}
    )
    assert plugin["config"]["limits"]["video"]["second"] == 10
    assert plugin["config"]["header_name"] == "x-kong-limit"
    updated = factory.plugins.update({"config": {"limits": {"video": {"minute": 600}}}}, plugin_key(plugin))
    assert updated is not None
    assert (updated["config"]["limits"]["video"]["second"], updated["config"]["limits"]["video"]["minute"]) == (10, 600)
    assert factory.plugins.find(plugin_key(plugin)) == updated
