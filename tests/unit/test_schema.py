"""Entity rules, checked without any store."""
from __future__ import annotations

import uuid

import pytest

from kong_orm.errors import SchemaError
from kong_orm.schema.entities import APIS, PLUGINS
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
