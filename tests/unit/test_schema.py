"""Entity rules, checked without any store."""
from __future__ import annotations

import math
import uuid

import pytest

from kong_orm import ConfigError, create_factory
from kong_orm import factory as factory_module
from kong_orm.errors import SchemaError
from kong_orm.registry import Catalog
from kong_orm.schema.entities import APIS, NODES, PLUGINS
from kong_orm.schema.entities.common import id_field
from kong_orm.schema.entity import INDEXED_LENGTH, KEY_LENGTH, Entity
from kong_orm.schema.fields import (
    MAX_SAFE_INTEGER,
    MAX_TIMESTAMP,
    MIN_TIMESTAMP,
    CoercionError,
    Field,
    Kind,
    as_read,
    coerce,
)
from kong_orm.schema.json_values import JSONValueError, as_json_value
from kong_orm.schema.validate import validate_new

UPSTREAM = "http://upstream.example.com"


def _api_errors(**values: object) -> dict:
    with pytest.raises(SchemaError) as raised:
        validate_new(APIS, {"upstream_url": UPSTREAM, **values})
    return raised.value.errors


VALID_HOSTS = ["mockbin.com", "mock-bin.org", "*.mockbin.com", "mockbin.*", "mockbin.123", "a_b.example.io"]


@pytest.mark.parametrize("host", VALID_HOSTS)
def test_valid_hosts(host: str) -> None:
    assert validate_new(APIS, {"request_host": host, "upstream_url": UPSTREAM})["request_host"] == host


@pytest.mark.parametrize(
    "host, message",
    [
        ("localhost", "Invalid value: localhost"),
        ("mockbin.f", "Invalid value: mockbin.f"),
        ("-mockbin.com", "Invalid value: -mockbin.com"),
        ("mock..bin.com", "Invalid value: mock..bin.com"),
        ("mock bin.com", "Invalid value: mock bin.com"),
        ("mock*bin.com", "Invalid wildcard placement: mock*bin.com"),
        ("*mockbin.com", "Invalid wildcard placement: *mockbin.com"),
        ("*.mockbin.*", "Only one wildcard is allowed: *.mockbin.*"),
    ],
)
def test_invalid_hosts(host: str, message: str) -> None:
    assert _api_errors(request_host=host) == {"request_host": message}


@pytest.mark.parametrize(
    "path, message",
    [
        ("status", "must be prefixed with slash: 'status'"),
        ("/status//123", "invalid: '/status//123'"),
        ("/status/ü", "must only contain alphanumeric and '., -, _, ~, /' characters"),
        ("/a b", "must only contain alphanumeric and '., -, _, ~, /' characters"),
    ],
)
def test_invalid_paths(path: str, message: str) -> None:
    assert _api_errors(request_path=path) == {"request_path": message}


def test_root_path_keeps_its_slash() -> None:
    assert validate_new(APIS, {"request_path": "/", "upstream_url": UPSTREAM})["request_path"] == "/"


@pytest.mark.parametrize("name", ["with space", "slash/ed", "ü"])
def test_given_names_must_be_url_safe(name: str) -> None:
    assert _api_errors(request_host="a.com", name=name) == {
        "name": "name must only contain alphanumeric and '., -, _, ~' characters"
    }


def test_upstream_url_must_be_http() -> None:
    assert _api_errors(request_host="a.com", upstream_url="ftp://a.com") == {
        "upstream_url": "Supported protocols are HTTP and HTTPS"
    }


@pytest.mark.parametrize("value, expected", [("a,b , c", ["a", "b", "c"]), ("", []), (["x"], ["x"])])
def test_arrays_coerce_from_comma_separated_strings(value: object, expected: list) -> None:
    row = validate_new(PLUGINS, {"name": "key-auth", "api_id": uuid.uuid4(), "config": {"key_names": value}})
    assert row["config"]["key_names"] == expected


def test_array_of_the_wrong_kind() -> None:
    with pytest.raises(SchemaError) as raised:
        validate_new(PLUGINS, {"name": "key-auth", "api_id": uuid.uuid4(), "config": {"key_names": 3}})
    assert raised.value.errors == {"config.key_names": "key_names is not an array"}


def test_validation_does_not_touch_the_caller_values() -> None:
    values = {"request_host": "  spaced.com ", "upstream_url": UPSTREAM}
    validate_new(APIS, values)
    assert values == {"request_host": "  spaced.com ", "upstream_url": UPSTREAM}


def test_flexible_entries_report_each_problem_under_its_name() -> None:
    config = {"limits": {"video": {"second": "x", "colour": 1}, "image": 3, "audio": {"second": 5, "minute": 1}}}
    with pytest.raises(SchemaError) as raised:
        validate_new(PLUGINS, {"name": "response-ratelimiting", "api_id": uuid.uuid4(), "config": config})
    assert raised.value.errors == {
        "config.limits.video.second": "second is not a number",
        "config.limits.video.colour": "colour is an unknown field",
        "config.limits.image": "image is not a table",
        "config.limits.audio": "The limit for minute cannot be lower than the limit for second",
    }


def test_flexible_table_needs_an_entry() -> None:
    with pytest.raises(SchemaError) as raised:
        validate_new(PLUGINS, {"name": "response-ratelimiting", "api_id": uuid.uuid4(), "config": {"limits": {}}})
    assert raised.value.errors == {"config.limits": "You need to set at least one limit name"}


# -- numbers, timestamps and what a read gives back ----------------------------------


@pytest.mark.parametrize("value, expected", [(5, 5), ("5", 5), (2.0, 2.0), ("2.0", 2.0), (1e300, 1e300), (-0.5, -0.5)])
def test_numbers_keep_their_type(value: object, expected: float) -> None:
    coerced = coerce(Field("n", Kind.NUMBER), value)
    assert coerced == expected and type(coerced) is type(expected)


@pytest.mark.parametrize("value", [2**53, -(2**53), 10**30, math.inf, -math.inf, math.nan, "nan", "inf", True, b"1"])
def test_numbers_every_store_cannot_give_back_are_refused(value: object) -> None:
    with pytest.raises(CoercionError):
        coerce(Field("n", Kind.NUMBER), value)


@pytest.mark.parametrize("value", [MIN_TIMESTAMP, MAX_TIMESTAMP, 0, float(MAX_TIMESTAMP), str(MIN_TIMESTAMP)])
def test_timestamps_of_years_1_to_9999_are_kept(value: object) -> None:
    assert coerce(Field("t", Kind.TIMESTAMP), value) == int(value)  # type: ignore[call-overload]


@pytest.mark.parametrize("value", [MIN_TIMESTAMP - 1, MAX_TIMESTAMP + 1, 1e19, "1e19", math.inf, math.nan])
def test_timestamps_beyond_are_refused(value: object) -> None:
    with pytest.raises(CoercionError):
        coerce(Field("t", Kind.TIMESTAMP), value)


def test_a_number_field_reads_back_as_a_float() -> None:
    number = Field("n", Kind.NUMBER)
    assert [as_read(number, v) for v in (2, 2.0, 1e300, None)] == [2.0, 2.0, 1e300, None]
    assert type(as_read(number, 2)) is float


def test_json_reads_back_integers_and_floats_as_written() -> None:
    # PostgreSQL's JSONB prints 1e300 as 301 digits: no integer written can be that large
    table = Field("t", Kind.TABLE)
    read = as_read(table, {"a": 10**300, "b": [2, 2.0, -(10**17)], "c": MAX_SAFE_INTEGER, "d": True})
    assert read == {"a": 1e300, "b": [2, 2.0, -1e17], "c": MAX_SAFE_INTEGER, "d": True}
    assert [type(v) for v in read["b"]] == [int, float, float] and type(read["c"]) is int


# -- JSON values ----------------------------------------------------------------------


def test_json_values_are_copied_as_plain_types() -> None:
    value = {"a": (1, 2.5, "x", None, True), "b": {"c": []}}
    assert as_json_value(value) == {"a": [1, 2.5, "x", None, True], "b": {"c": []}}


def test_a_value_that_holds_itself_is_too_deep() -> None:
    looping: list[object] = []
    looping.append(looping)
    with pytest.raises(JSONValueError) as raised:
        as_json_value(looping)
    assert raised.value.message == "is nested deeper than 32 levels"


@pytest.mark.parametrize(
    "value, path",
    [([1, b"x"], ("1",)), ({"a": {"b": {1, 2}}}, ("a", "b")), ({"a": [{3: 1}]}, ("a", "0", "3"))],
)
def test_json_errors_name_the_bad_value(value: object, path: tuple[str, ...]) -> None:
    with pytest.raises(JSONValueError) as raised:
        as_json_value(value)
    assert raised.value.path == path


# -- field names and lengths -------------------------------------------------------------


def test_field_names_must_be_strings() -> None:
    with pytest.raises(SchemaError) as raised:
        validate_new(APIS, {"upstream_url": UPSTREAM, "request_host": "a.com", 1: "x"})
    assert raised.value.errors == {"1": "field name 1 is not a string"}


def test_entities_limit_the_text_of_keys_and_indexed_fields() -> None:
    limits = {f.name: f.max_length for f in APIS.fields}
    assert limits["name"] == limits["request_host"] == limits["request_path"] == KEY_LENGTH
    assert limits["upstream_url"] == INDEXED_LENGTH
    assert limits["id"] is None and limits["created_at"] is None
    assert NODES["name"].max_length == KEY_LENGTH and PLUGINS["name"].max_length == KEY_LENGTH


def test_a_declared_max_length_shorter_than_the_stores_allow_is_kept() -> None:
    entity = Entity(name="things", fields=(Field("id", Kind.ID), Field("label", Kind.STRING, max_length=10)))
    assert entity["label"].max_length == 10
    with pytest.raises(SchemaError) as raised:
        validate_new(entity, {"id": uuid.uuid4(), "label": "x" * 11})
    assert raised.value.errors == {"label": "label must be at most 10 characters long"}


# -- foreign keys between entities -------------------------------------------------------


def _referencing(name: str, foreign: str, kind: Kind = Kind.ID) -> Entity:
    return Entity(name=name, fields=(id_field(), Field("parent", kind, foreign=foreign)))


@pytest.mark.parametrize(
    "entities, message",
    [
        ([_referencing("tree", "tree.id")],
         "foreign keys form a cycle (tree.parent -> tree), which kong_orm does not support: tables are created "
         "and cascades run parents first"),
        ([_referencing("one", "two.id"), _referencing("two", "one.id")],
         "foreign keys form a cycle (one.parent -> two, two.parent -> one)"),
        ([_referencing("bad", "consumers.idd")],
         "bad.parent references unknown field 'consumers.idd'; consumers has "),
        ([_referencing("bad", "consumers")], "bad.parent: foreign='consumers' must name 'entity.field'"),
        ([_referencing("bad", "consumers.")], "bad.parent: foreign='consumers.' must name 'entity.field'"),
        ([_referencing("bad", "nothing.id")], "bad.parent references unknown entity 'nothing'"),
        ([_referencing("bad", "apis.upstream_url", Kind.URL)],
         "bad.parent references 'apis.upstream_url', which is neither the primary key of apis nor unique"),
        ([_referencing("bad", "consumers.username")],
         "bad.parent (id) references 'consumers.username' (string): a foreign key holds what it references"),
    ],
)
def test_foreign_keys_that_cannot_work_are_refused_when_the_catalog_is_made(
    entities: list[Entity], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        Catalog.serving([], entities)
    assert str(raised.value).startswith(message)


def test_a_factory_refuses_them_before_opening_its_store(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(factory_module, "open_backend", lambda *args: opened.append(args))
    with pytest.raises(ConfigError, match="cycle"):
        create_factory("sqlite://?purge_interval=0", entities=[_referencing("tree", "tree.id")])
    with pytest.raises(ConfigError, match="unknown field"):
        create_factory("sqlite://?purge_interval=0", entities=[_referencing("bad", "consumers.idd")])
    assert opened == []


def test_a_unique_field_may_be_referenced() -> None:
    by_name = _referencing("by_name", "consumers.username", Kind.STRING)
    assert [entity.name for entity in Catalog.serving([], [by_name]).in_dependency_order()][-1] == "by_name"
