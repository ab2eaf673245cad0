"""Hostile input: every value a store cannot hold, or cannot give back as
given, is a :class:`SchemaError` before it reaches the store, the same on
every backend, and the factory keeps working afterwards."""
from __future__ import annotations

import base64
import hashlib
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from kong_orm.config import Config
from kong_orm.errors import SchemaError
from kong_orm.factory import DAOFactory, create_factory
from kong_orm.schema.entity import INDEXED_LENGTH, KEY_LENGTH
from kong_orm.schema.fields import MAX_SAFE_INTEGER, MAX_TIMESTAMP, MIN_TIMESTAMP
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, api_values

WIDE = "\U0001f680"
"""A character of 4 bytes in UTF-8: the worst case for every byte limit."""


def _schema_errors(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SchemaError) as raised:
        call(*args)
    return raised.value.errors


# -- offsets ----------------------------------------------------------------


def _unkeyed_offset(entity: str, position: bytes) -> str:
    """An offset as anyone could rebuild one when offsets carried an unkeyed digest."""
    digest = hashlib.blake2b(repr((entity, [])).encode(), digest_size=8).digest()
    return base64.urlsafe_b64encode(position + digest).decode().rstrip("=")


FORGED_POSITIONS = [
    b"[" * 100_000, b'["not-a-uuid"]', b"\x00" * 40, bytes(range(256)), b"\x04\x00\x00\x00" + b"\xff" * 60
]


def test_forged_offsets_never_reach_the_store(factory: DAOFactory) -> None:
    consumer = add_consumer(factory)
    for position in FORGED_POSITIONS:
        offset = _unkeyed_offset("consumers", position)
        assert _schema_errors(factory.consumers.find_page, None, offset, 10) == {"offset": "offset is not valid"}
        assert factory.consumers.count() == 1
        assert factory.consumers.find_page(None, None, 10) == ([consumer], None)


def _factory_with_secret(factory: DAOFactory, secret: str) -> DAOFactory:
    config = factory.config
    return create_factory(Config(config.database, config.url, {**config.options, "offset_secret": secret}))


@pytest.fixture
def keyed_factories(factory: DAOFactory) -> Iterator[tuple[DAOFactory, DAOFactory]]:
    first, second = _factory_with_secret(factory, "one secret"), _factory_with_secret(factory, "one secret")
    yield first, second
    first.close()
    second.close()


def test_offsets_travel_between_factories_with_the_same_secret_only(
    factory: DAOFactory, keyed_factories: tuple[DAOFactory, DAOFactory]
) -> None:
    first, second = keyed_factories
    for _ in range(3):
        add_consumer(factory)
    rows, offset = first.consumers.find_page(None, None, 1)
    assert offset is not None
    assert second.consumers.find_page(None, offset, 5)[0] == first.consumers.find_page(None, offset, 5)[0]
    assert _schema_errors(factory.consumers.find_page, None, offset, 5) == {"offset": "offset is not valid"}
    _, own = factory.consumers.find_page(None, None, 1)
    assert _schema_errors(first.consumers.find_page, None, own, 5) == {"offset": "offset is not valid"}
    assert len(factory.consumers.find_page(None, own, 5)[0]) == 2


# -- timestamps and numbers ------------------------------------------------------


def test_timestamps_outside_years_1_to_9999_are_refused(factory: DAOFactory) -> None:
    out_of_range = {"created_at": "created_at is out of range (years 1 to 9999)"}
    for created_at in [MAX_TIMESTAMP + 1, MIN_TIMESTAMP - 1, 600_000_000_000_000, 1e19, -1e19, 10**30, "1e19"]:
        assert _schema_errors(factory.consumers.insert, {"username": "u", "created_at": created_at}) == out_of_range
        assert _schema_errors(factory.consumers.find_all, {"created_at": created_at}) == out_of_range
    assert factory.consumers.find_all() == []


def test_timestamps_of_years_1_to_9999_read_back_exactly(factory: DAOFactory) -> None:
    for created_at in [MIN_TIMESTAMP, MAX_TIMESTAMP, -43_892_128_204_137, 220_950_897_371_757, -1, 0]:
        consumer = factory.consumers.insert({"username": f"u{created_at}", "created_at": created_at})
        assert consumer["created_at"] == created_at
        assert factory.consumers.find({"id": consumer["id"]}) == consumer
        assert factory.consumers.find_all({"created_at": created_at}) == [consumer]
    assert len(factory.consumers.find_all()) == 6


NUMBER_PAIRS = [
    (2.0, 1e300), (5, 7), (0.5, 1.5), (1e16, 1e17), (MAX_SAFE_INTEGER - 1, MAX_SAFE_INTEGER), (1e-300, 2.5e-7)
]


def test_numbers_in_config_read_back_as_given(factory: DAOFactory) -> None:
    for second, minute in NUMBER_PAIRS:
        plugin = add_plugin(factory, add_api(factory), config={"second": second, "minute": minute})
        for row in (plugin, factory.plugins.find({"id": plugin["id"], "name": plugin["name"]})):
            assert row is not None
            read = row["config"]
            assert (read["second"], read["minute"]) == (second, minute)
            assert (type(read["second"]), type(read["minute"])) == (type(second), type(minute))


def test_numbers_in_config_beyond_what_every_store_keeps_are_refused(factory: DAOFactory) -> None:
    api = add_api(factory)
    for second in [2**53, -(2**53), 2**63, math.inf, math.nan, "nan", "-inf"]:
        values = {"name": "rate-limiting", "api_id": api["id"], "config": {"second": second}}
        assert set(_schema_errors(factory.plugins.insert, values)) == {"config.second"}
    assert factory.plugins.count() == 0


# -- values inside config --------------------------------------------------------


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def _key_auth(api: dict[str, Any], key_names: Any) -> dict[str, Any]:
    return {"name": "key-auth", "api_id": api["id"], "config": {"key_names": key_names}}


NOT_JSON = [
    (["apikey", b"bytes"], {"config.key_names.1": "bytes is not a JSON value"}),
    ([uuid.UUID(int=1)], {"config.key_names.0": "UUID is not a JSON value"}),
    ([{"a", "b"}], {"config.key_names.0": "set is not a JSON value"}),
    ([{("a", "b"): 1}], {"config.key_names.0.('a', 'b')": "key ('a', 'b') is not a string"}),
    ([{1: "a"}], {"config.key_names.0.1": "key 1 is not a string"}),
    (["x", math.nan], {"config.key_names.1": "nan is not a finite number"}),
    ([math.inf], {"config.key_names.0": "inf is not a finite number"}),
    ([2**63], {"config.key_names.0": "is out of range (integers from -(2^53 - 1) to 2^53 - 1)"}),
    (["a", "nul\x00"], {"config.key_names.1": "must not contain NUL characters"}),
    (["\udc80"], {"config.key_names.0": "is not valid unicode text"}),
    ([{"nul\x00": 1}], {"config.key_names.0.'nul\\x00'": "key must not contain NUL characters"}),
    (_nested(32), {"config.key_names" + ".0" * 32: "is nested deeper than 32 levels"}),
]


def test_config_holds_only_what_json_keeps_everywhere(factory: DAOFactory) -> None:
    api = add_api(factory)
    for key_names, errors in NOT_JSON:
        assert _schema_errors(factory.plugins.insert, _key_auth(api, key_names)) == errors
    assert factory.plugins.count() == 0


def test_a_limit_name_must_be_a_string(factory: DAOFactory) -> None:
    api = add_api(factory)
    values = {"name": "response-ratelimiting", "api_id": api["id"], "config": {"limits": {1: {"second": 1}}}}
    assert _schema_errors(factory.plugins.insert, values) == {"config.limits.1": "key 1 is not a string"}
    assert factory.plugins.count() == 0


def test_json_values_read_back_as_given(factory: DAOFactory) -> None:
    key_names = ["a", "", WIDE, 1, -2.5, 1e300, True, None, {"nested": [{"x": None}], "": 0}, []]
    plugin = factory.plugins.insert(_key_auth(add_api(factory), tuple(key_names)))
    assert plugin["config"]["key_names"] == key_names
    found = factory.plugins.find({"id": plugin["id"], "name": "key-auth"})
    assert found == plugin
    assert [type(value) for value in found["config"]["key_names"]] == [type(value) for value in key_names]


def test_a_config_larger_than_1_mib_is_refused(factory: DAOFactory) -> None:
    api = add_api(factory)
    errors = _schema_errors(factory.plugins.insert, _key_auth(api, ["k" * 1000] * 1100))
    assert errors == {"config": "is larger than 1048576 bytes as JSON"}
    plugin = factory.plugins.insert(_key_auth(api, ["k" * 1000] * 1000))
    assert factory.plugins.find({"id": plugin["id"], "name": "key-auth"}) == plugin


def test_an_invalid_config_update_leaves_the_row_alone(factory: DAOFactory) -> None:
    plugin = factory.plugins.insert(_key_auth(add_api(factory), ["apikey"]))
    key = {"id": plugin["id"], "name": "key-auth"}
    assert _schema_errors(factory.plugins.update, {"config": {"key_names": [b"x"]}}, key) == {
        "config.key_names.0": "bytes is not a JSON value"
    }
    assert factory.plugins.find(key) == plugin


# -- length limits of keys and indexed values -----------------------------------------


def test_keys_and_unique_values_take_up_to_key_length_characters(factory: DAOFactory) -> None:
    longest = WIDE * KEY_LENGTH
    consumer = factory.consumers.insert({"username": longest, "custom_id": longest})
    assert factory.consumers.find_all({"username": longest}) == [consumer]
    node = factory.nodes.insert({"name": longest, "cluster_listening_address": longest})
    assert factory.nodes.find({"name": longest}) == node
    message = f"must be at most {KEY_LENGTH} characters long"
    assert _schema_errors(factory.consumers.insert, {"username": longest + "x", "custom_id": "c"}) == {
        "username": "username " + message
    }
    assert _schema_errors(factory.nodes.find, {"name": longest + "x"}) == {"name": "name " + message}
    assert _schema_errors(factory.consumers.update, {"custom_id": longest + "x"}, {"id": consumer["id"]}) == {
        "custom_id": "custom_id " + message
    }
    assert factory.consumers.find({"id": consumer["id"]}) == consumer


def test_other_text_takes_up_to_indexed_length_characters(factory: DAOFactory) -> None:
    url = "http://upstream.example.com/"
    longest = url + WIDE * (INDEXED_LENGTH - len(url))
    api = add_api(factory, upstream_url=longest)
    assert factory.apis.find_all({"upstream_url": longest}) == [api]
    too_long = {"upstream_url": f"upstream_url must be at most {INDEXED_LENGTH} characters long"}
    assert _schema_errors(factory.apis.insert, api_values(upstream_url=longest + "x")) == too_long
    node = {"name": "n", "cluster_listening_address": "x" * (INDEXED_LENGTH + 1)}
    assert set(_schema_errors(factory.nodes.insert, node)) == {"cluster_listening_address"}


def test_filters_longer_than_a_field_takes_are_schema_errors(factory: DAOFactory) -> None:
    add_consumer(factory)
    for verb in ("find_all", "count", "find_page"):
        errors = _schema_errors(getattr(factory.consumers, verb), {"username": "x" * 70_000})
        assert errors == {"username": f"username must be at most {KEY_LENGTH} characters long"}
        errors = _schema_errors(getattr(factory.apis, verb), {"upstream_url": "http://a.example.com/" + "x" * 70_000})
        assert set(errors) == {"upstream_url"}


# -- empty strings as keys and filters --------------------------------------------


def test_an_empty_text_key_matches_nothing(factory: DAOFactory) -> None:
    factory.nodes.insert({"name": "node", "cluster_listening_address": "127.0.0.1:7946"})
    plugin = add_plugin(factory, add_api(factory))
    for empty in ("", "   "):
        _assert_empty_key_matches_nothing(factory, plugin, empty)
    assert factory.nodes.count() == 1 and factory.plugins.count() == 1


def _assert_empty_key_matches_nothing(factory: DAOFactory, plugin: dict[str, Any], empty: str) -> None:
    assert factory.nodes.find({"name": empty}) is None
    assert factory.nodes.update({"cluster_listening_address": "x:1"}, {"name": empty}) is None
    assert factory.nodes.delete({"name": empty}) is None
    assert factory.plugins.find({"id": plugin["id"], "name": empty}) is None
    assert factory.plugins.delete({"id": plugin["id"], "name": empty}) is None


def test_an_empty_text_filter_matches_nothing(factory: DAOFactory) -> None:
    add_consumer(factory, custom_id="c")
    for empty in ("", "  "):
        assert factory.consumers.find_all({"username": empty}) == []
        assert factory.consumers.count({"username": empty}) == 0
        assert factory.consumers.find_page({"username": empty}, None, 10) == ([], None)
        assert factory.consumers.find_all({"custom_id": "c", "username": empty}) == []


# -- names that are not strings ---------------------------------------------------


def test_field_names_that_are_not_strings_are_schema_errors(factory: DAOFactory) -> None:
    assert _schema_errors(factory.consumers.insert, {1: "x", "username": "u"}) == {"1": "field name 1 is not a string"}
    assert _schema_errors(factory.consumers.insert, {("a",): "x", "username": "u"}) == {
        "('a',)": "field name ('a',) is not a string"
    }
    consumer = add_consumer(factory)
    assert _schema_errors(factory.consumers.update, {2: "y"}, {"id": consumer["id"]}) == {
        "2": "field name 2 is not a string"
    }
    assert _schema_errors(factory.consumers.find_all, {None: "x"}) == {"None": "field name None is not a string"}
    assert _schema_errors(factory.consumers.count, {1: "x", "username": "u"}) == {"1": "field name 1 is not a string"}
    assert factory.consumers.find_all() == [consumer]


def test_a_full_update_keeps_generated_values_given_as_none(factory: DAOFactory) -> None:
    consumer = add_consumer(factory)
    updated = factory.consumers.update({"username": "new", "created_at": None}, {"id": consumer["id"]}, full=True)
    assert updated == {**consumer, "username": "new"}
    assert factory.consumers.find({"id": consumer["id"]}) == updated
