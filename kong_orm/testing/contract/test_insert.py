"""insert: validation, generated fields, uniqueness, foreign keys, atomicity."""
from __future__ import annotations

import uuid

import pytest

from kong_orm.errors import ForeignKeyError, SchemaError, UniqueError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, api_values


def test_insert_returns_the_stored_row_with_every_field(factory: DAOFactory) -> None:
    api = factory.apis.insert({"request_host": "mockbin.com", "upstream_url": "http://mockbin.com"})
    assert set(api) == set(factory.apis.entity.field_names)
    assert isinstance(api["id"], uuid.UUID)
    assert isinstance(api["created_at"], int) and len(str(api["created_at"])) == 13
    assert api["name"] == "mockbin.com"
    assert api["request_path"] is None
    assert api["strip_request_path"] is False and api["preserve_host"] is False
    assert factory.apis.find({"id": api["id"]}) == api


def test_name_defaults_from_the_request_path(factory: DAOFactory) -> None:
    api = factory.apis.insert({"request_path": "/mockbin/status", "upstream_url": "http://mockbin.com"})
    assert api["name"] == "mockbin-status"


def test_trailing_slash_is_stripped_from_the_request_path(factory: DAOFactory) -> None:
    api = factory.apis.insert({"request_path": "/status/", "upstream_url": "http://mockbin.com"})
    assert api["request_path"] == "/status"
    assert api["name"] == "status-"


def test_string_values_are_coerced(factory: DAOFactory) -> None:
    api = factory.apis.insert(api_values(strip_request_path="true", preserve_host=" FALSE "))
    assert api["strip_request_path"] is True and api["preserve_host"] is False


def test_given_id_is_kept(factory: DAOFactory) -> None:
    wanted = uuid.uuid4()
    assert factory.consumers.insert({"id": str(wanted), "username": "given"})["id"] == wanted


def test_identical_api_names_every_unique_field(factory: DAOFactory) -> None:
    values = {"name": "mockbin", "request_host": "mockbin.com", "request_path": "/mockbin", "upstream_url": "http://a.com"}
    factory.apis.insert(values)
    with pytest.raises(UniqueError) as raised:
        factory.apis.insert(values)
    assert raised.value.errors == {
        "name": "already exists with value 'mockbin'",
        "request_host": "already exists with value 'mockbin.com'",
        "request_path": "already exists with value '/mockbin'",
    }
    assert str(raised.value) == (
        "name=already exists with value 'mockbin' "
        "request_host=already exists with value 'mockbin.com' "
        "request_path=already exists with value '/mockbin'"
    )
    assert factory.apis.count() == 1


def test_one_colliding_field_is_named_alone(factory: DAOFactory) -> None:
    add_api(factory, name="taken")
    with pytest.raises(UniqueError) as raised:
        add_api(factory, name="taken")
    assert raised.value.errors == {"name": "already exists with value 'taken'"}


@pytest.mark.parametrize("field", ["username", "custom_id"])
def test_consumer_identifiers_are_unique(factory: DAOFactory, field: str) -> None:
    factory.consumers.insert({field: "bob"})
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert({field: "bob"})
    assert str(raised.value) == f"{field}=already exists with value 'bob'"
    assert factory.consumers.count() == 1


def test_consumer_needs_a_username_or_custom_id(factory: DAOFactory) -> None:
    message = "At least a 'custom_id' or a 'username' must be specified"
    with pytest.raises(SchemaError) as raised:
        factory.consumers.insert({})
    assert raised.value.errors == {"custom_id": message, "username": message}


def test_api_with_nothing_reports_every_problem(factory: DAOFactory) -> None:
    message = "At least a 'request_host' or a 'request_path' must be specified"
    with pytest.raises(SchemaError) as raised:
        factory.apis.insert({})
    assert raised.value.errors == {
        "request_host": message,
        "request_path": message,
        "upstream_url": "upstream_url is required",
    }


def test_unknown_field_is_rejected(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.consumers.insert({"username": "x", "age": 3})
    assert str(raised.value) == "age=age is an unknown field"


def test_wrong_kinds_are_reported_per_field(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.apis.insert(api_values(strip_request_path="ciao", upstream_url="not a url", name=3))
    assert raised.value.errors == {
        "strip_request_path": "strip_request_path is not a boolean",
        "upstream_url": "upstream_url is not a url",
        "name": "name is not a string",
    }


def test_unknown_parent_is_a_foreign_key_error(factory: DAOFactory) -> None:
    missing = uuid.uuid4()
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert({"name": "rate-limiting", "api_id": missing, "config": {"second": 1}})
    assert str(raised.value) == f"api_id=does not exist with value '{missing}'"
    assert factory.plugins.count() == 0


def test_unknown_consumer_is_a_foreign_key_error(factory: DAOFactory) -> None:
    api, missing = add_api(factory), uuid.uuid4()
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert(
            {"name": "rate-limiting", "api_id": api["id"], "consumer_id": missing, "config": {"second": 1}}
        )
    assert raised.value.errors == {"consumer_id": f"does not exist with value '{missing}'"}
    assert factory.plugins.count() == 0


def test_malformed_foreign_key_is_a_schema_error(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.plugins.insert({"name": "rate-limiting", "api_id": "not-a-uuid", "config": {"second": 1}})
    assert raised.value.errors == {"api_id": "not-a-uuid is not a valid uuid"}


def test_insert_needs_a_dict(factory: DAOFactory) -> None:
    with pytest.raises(TypeError):
        factory.apis.insert("request_host=x")  # type: ignore[arg-type]


def test_failed_insert_leaves_nothing_behind(factory: DAOFactory) -> None:
    add_consumer(factory, username="taken")
    with pytest.raises(UniqueError):
        factory.consumers.insert({"username": "taken", "custom_id": "fresh"})
    assert factory.consumers.find_all({"custom_id": "fresh"}) == []
    factory.consumers.insert({"username": "other", "custom_id": "fresh"})


INJECTIONS = ["'; DROP TABLE apis; --", "x' OR '1'='1", "\\\"; DELETE FROM consumers; --", "Robert'); --"]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_values_are_bound_never_spliced(factory: DAOFactory, evil: str) -> None:
    consumer = factory.consumers.insert({"username": evil, "custom_id": evil + "!"})
    assert factory.consumers.find({"id": consumer["id"]}) == consumer
    assert consumer["username"] == evil
    assert factory.consumers.find_all({"username": evil}) == [consumer]
    assert factory.consumers.count({"custom_id": evil + "!"}) == 1
    assert factory.consumers.count() == 1


def test_nodes_have_a_text_primary_key(factory: DAOFactory) -> None:
    node = factory.nodes.insert({"name": "node-1", "cluster_listening_address": "127.0.0.1:7946"})
    assert factory.nodes.find({"name": "node-1"}) == node
    with pytest.raises(SchemaError) as raised:
        factory.nodes.insert({"name": "node-2"})
    assert raised.value.errors == {"cluster_listening_address": "cluster_listening_address is required"}


def test_a_taken_primary_key_is_a_unique_error(factory: DAOFactory) -> None:
    factory.nodes.insert({"name": "node-1", "cluster_listening_address": "127.0.0.1:1"})
    with pytest.raises(UniqueError) as raised:
        factory.nodes.insert({"name": "node-1", "cluster_listening_address": "127.0.0.1:2"})
    assert raised.value.errors == {"name": "already exists with value 'node-1'"}
    consumer = add_consumer(factory)
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert({"id": consumer["id"], "username": "someone-else"})
    assert raised.value.errors == {"id": f"already exists with value '{consumer['id']}'"}
    assert factory.nodes.find({"name": "node-1"})["cluster_listening_address"] == "127.0.0.1:1"  # type: ignore[index]


def test_a_taken_key_and_a_taken_unique_value_are_both_named(factory: DAOFactory) -> None:
    consumer = add_consumer(factory, username="bob")
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert({"id": consumer["id"], "username": "bob"})
    assert raised.value.errors == {
        "id": f"already exists with value '{consumer['id']}'",
        "username": "already exists with value 'bob'",
    }
    with pytest.raises(UniqueError) as raised:
        factory.consumers.insert_many([{"username": "free"}, {"id": consumer["id"], "username": "bob"}])
    assert raised.value.errors == {
        "rows[1].id": f"already exists with value '{consumer['id']}'",
        "rows[1].username": "already exists with value 'bob'",
    }
    assert factory.consumers.find_all() == [consumer]


@pytest.mark.parametrize(
    "values, errors",
    [
        ({"custom_id": "c", "username": "nul\x00byte"}, {"username": "username must not contain NUL characters"}),
        ({"custom_id": "c", "username": "lone \ud800 surrogate"}, {"username": "username is not valid unicode text"}),
        ({"username": "big", "created_at": 10**20}, {"created_at": "created_at is out of range (years 1 to 9999)"}),
    ],
)
def test_values_no_store_can_hold_are_schema_errors(
    factory: DAOFactory, values: dict[str, object], errors: dict[str, str]
) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.consumers.insert(values)
    assert raised.value.errors == errors
    assert factory.consumers.count() == 0


def test_unicode_text_is_stored_verbatim(factory: DAOFactory) -> None:
    name = "Zoë 🚀 日本語 \u200b"
    consumer = factory.consumers.insert({"username": name})
    assert consumer["username"] == name.strip()
    assert factory.consumers.find_all({"username": name}) == [consumer]
