"""update: partial and full, filter_keys, immutability, constraints."""
from __future__ import annotations

import uuid

import pytest

from kong_orm.errors import ForeignKeyError, SchemaError, UniqueError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key


def test_partial_update_changes_only_the_given_fields(factory: DAOFactory) -> None:
    api = add_api(factory, request_path="/keep")
    updated = factory.apis.update({"upstream_url": "https://new.example.com"}, {"id": api["id"]})
    assert updated == {**api, "upstream_url": "https://new.example.com"}
    assert factory.apis.find({"id": api["id"]}) == updated


def test_none_keeps_a_value_in_a_partial_update_and_clears_it_in_a_full_one(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="kept", custom_id="c1")
    assert factory.consumers.update({"custom_id": None}, {"id": consumer["id"]}) == consumer
    cleared = factory.consumers.update({"username": "kept", "custom_id": None}, {"id": consumer["id"]}, full=True)
    assert cleared == {**consumer, "custom_id": None}
    assert factory.consumers.find({"id": consumer["id"]}) == cleared


def test_filter_keys_fill_in_what_values_lack(factory: DAOFactory) -> None:
    api, other = add_api(factory, name="mockbin"), add_api(factory)
    updated = factory.apis.update({"id": api["id"], "preserve_host": True}, {"name": "mockbin"})
    assert updated == {**api, "preserve_host": True}
    assert factory.apis.find({"id": other["id"]}) == other


def test_update_of_a_missing_row_is_none(factory: DAOFactory) -> None:
    assert factory.apis.update({"preserve_host": True}, {"id": uuid.uuid4()}) is None


def test_update_without_the_primary_key_is_a_value_error(factory: DAOFactory) -> None:
    with pytest.raises(ValueError, match="Missing PRIMARY KEY field"):
        factory.apis.update({"preserve_host": True}, {"name": "x"})


@pytest.mark.parametrize("values, keys", [("x", {"id": uuid.uuid4()}), ({"preserve_host": True}, "id")])
def test_update_needs_dicts(factory: DAOFactory, values: object, keys: object) -> None:
    with pytest.raises(TypeError):
        factory.apis.update(values, keys)  # type: ignore[arg-type]


def test_full_update_replaces_the_entity(factory: DAOFactory) -> None:
    api = add_api(factory, request_path="/path", strip_request_path=True)
    values = {"request_host": api["request_host"], "upstream_url": "http://other.example.com"}
    updated = factory.apis.update(values, {"id": api["id"]}, full=True)
    assert updated == {
        **api,
        "request_path": None,
        "strip_request_path": False,
        "upstream_url": "http://other.example.com",
    }


def test_full_update_checks_required_fields(factory: DAOFactory) -> None:
    api = add_api(factory)
    with pytest.raises(SchemaError) as raised:
        factory.apis.update({"request_host": api["request_host"]}, {"id": api["id"]}, full=True)
    assert raised.value.errors == {"upstream_url": "upstream_url is required"}
    assert factory.apis.find({"id": api["id"]}) == api


def test_immutable_fields_cannot_change(factory: DAOFactory) -> None:
    api = add_api(factory)
    with pytest.raises(SchemaError) as raised:
        factory.apis.update({"created_at": 1_400_000_000_000}, {"id": api["id"]})
    assert str(raised.value) == "created_at=created_at cannot be updated"
    same = factory.apis.update({"created_at": api["created_at"], "preserve_host": True}, {"id": api["id"]})
    assert same is not None and same["created_at"] == api["created_at"]


def test_invalid_update_leaves_the_row_alone(factory: DAOFactory) -> None:
    api = add_api(factory)
    with pytest.raises(SchemaError) as raised:
        factory.apis.update({"upstream_url": "ftp://nope.example.com"}, {"id": api["id"]})
    assert raised.value.errors == {"upstream_url": "Supported protocols are HTTP and HTTPS"}
    assert factory.apis.find({"id": api["id"]}) == api


def test_update_to_a_taken_unique_value_is_a_unique_error(factory: DAOFactory) -> None:
    taken, mine = add_consumer(factory, username="taken"), add_consumer(factory, username="mine")
    with pytest.raises(UniqueError) as raised:
        factory.consumers.update({"username": "taken"}, {"id": mine["id"]})
    assert str(raised.value) == "username=already exists with value 'taken'"
    assert factory.consumers.find({"id": mine["id"]}) == mine
    assert factory.consumers.find({"id": taken["id"]}) == taken


def test_update_keeping_its_own_unique_value_is_fine(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="me")
    assert factory.consumers.update({"username": "me", "custom_id": "c"}, {"id": consumer["id"]}) is not None


def test_update_releases_the_old_unique_value(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="before")
    factory.consumers.update({"username": "after"}, {"id": consumer["id"]})
    add_consumer(factory, username="before")
    assert factory.consumers.count({"username": "after"}) == 1


def test_update_to_a_missing_parent_is_a_foreign_key_error(factory: DAOFactory) -> None:
    plugin, missing = add_plugin(factory, add_api(factory)), uuid.uuid4()
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.update({"api_id": missing}, plugin_key(plugin))
    assert str(raised.value) == f"api_id=does not exist with value '{missing}'"
    assert factory.plugins.find(plugin_key(plugin)) == plugin


def test_update_with_a_malformed_uuid_is_a_schema_error(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.apis.update({"preserve_host": True}, {"id": "nope"})
    assert raised.value.errors == {"id": "nope is not a valid uuid"}
