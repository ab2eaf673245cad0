"""find, find_all and count: keys, filters and their errors."""
from __future__ import annotations

import uuid

import pytest

from kong_orm.errors import SchemaError
from kong_orm.factory import DAOFactory
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key


def test_find_ignores_keys_beyond_the_primary_key(factory: DAOFactory) -> None:
    api = add_api(factory)
    assert factory.apis.find({"id": api["id"], "foo": "bar"}) == api
    assert factory.apis.find({"id": str(api["id"])}) == api


def test_find_of_a_missing_row_is_none(factory: DAOFactory) -> None:
    assert factory.apis.find({"id": uuid.uuid4()}) is None


def test_find_needs_the_whole_primary_key(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    assert factory.plugins.find(plugin_key(plugin)) == plugin
    with pytest.raises(ValueError, match="Missing PRIMARY KEY field"):
        factory.plugins.find({"id": plugin["id"]})
    with pytest.raises(ValueError, match="Missing PRIMARY KEY field"):
        factory.apis.find({"name": "x"})


def test_find_with_a_malformed_uuid_is_a_schema_error(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.apis.find({"id": "abcd", "foo": "bar"})
    assert str(raised.value) == "id=abcd is not a valid uuid"


def test_find_needs_a_dict(factory: DAOFactory) -> None:
    with pytest.raises(TypeError):
        factory.apis.find("abcd")  # type: ignore[arg-type]


def test_find_all_without_filter_returns_every_row(factory: DAOFactory) -> None:
    apis = [add_api(factory) for _ in range(3)]
    assert sorted(factory.apis.find_all(), key=lambda a: a["name"]) == sorted(apis, key=lambda a: a["name"])


def test_find_all_ands_its_filter(factory: DAOFactory) -> None:
    first, second = add_api(factory), add_api(factory)
    add_plugin(factory, first)
    keyed = add_plugin(factory, first, name="key-auth", config={})
    add_plugin(factory, second)
    assert factory.plugins.find_all({"api_id": first["id"], "name": "key-auth"}) == [keyed]
    assert len(factory.plugins.find_all({"name": "rate-limiting"})) == 2
    assert factory.plugins.find_all({"api_id": first["id"], "name": "nope"}) == []


def test_filters_are_coerced_like_values(factory: DAOFactory) -> None:
    api = add_api(factory)
    plugin = add_plugin(factory, api, enabled=False)
    assert factory.plugins.find_all({"enabled": "false", "api_id": str(api["id"])}) == [plugin]
    assert factory.plugins.count({"enabled": True}) == 0


def test_filters_on_any_field_page_and_count_alike(factory: DAOFactory) -> None:
    """Fields no store indexes (urls, flags, timestamps) filter like the others."""
    matching = [add_api(factory, upstream_url="http://one.example.com", strip_request_path=True) for _ in range(5)]
    add_api(factory, upstream_url="http://two.example.com", strip_request_path=True)
    wanted = {"upstream_url": "http://one.example.com", "strip_request_path": True}
    key = lambda row: str(row["id"])  # noqa: E731
    assert sorted(factory.apis.find_all(wanted), key=key) == sorted(matching, key=key)
    assert factory.apis.count(wanted) == 5
    assert factory.apis.count({"strip_request_path": True}) == 6
    seen, offset = [], None
    while True:
        page, offset = factory.apis.find_page(wanted, offset, size=2)
        seen += page
        if offset is None:
            break
    assert sorted(seen, key=key) == sorted(matching, key=key)
    assert factory.apis.find_all({"created_at": matching[0]["created_at"], "id": matching[0]["id"]}) == [matching[0]]


def test_filter_on_an_unknown_field_is_a_schema_error(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.apis.find_all({"foo": "bar"})
    assert raised.value.errors == {"foo": "unknown field"}


def test_filter_with_a_malformed_uuid_is_a_schema_error(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError) as raised:
        factory.plugins.count({"api_id": "123"})
    assert raised.value.errors == {"api_id": "123 is not a valid uuid"}


@pytest.mark.parametrize("verb", ["find_all", "count", "find_page"])
def test_empty_filter_is_a_schema_error(factory: DAOFactory, verb: str) -> None:
    with pytest.raises(SchemaError):
        getattr(factory.apis, verb)({})


@pytest.mark.parametrize("verb", ["find_all", "count", "find_page"])
def test_filter_must_be_a_dict(factory: DAOFactory, verb: str) -> None:
    with pytest.raises(TypeError):
        getattr(factory.apis, verb)("name=x")


def test_count_counts_matching_rows(factory: DAOFactory) -> None:
    add_consumer(factory, custom_id="a")
    add_consumer(factory, custom_id="b")
    assert factory.consumers.count() == 2
    assert factory.consumers.count({"custom_id": "a"}) == 1
    assert factory.consumers.count({"custom_id": "z"}) == 0


def test_a_filter_of_nulls_only_is_a_schema_error(factory: DAOFactory) -> None:
    add_consumer(factory)
    with pytest.raises(SchemaError):
        factory.consumers.find_all({"custom_id": None})
    assert len(factory.consumers.find_all({"custom_id": None, "username": add_consumer(factory)["username"]})) == 1


def test_find_is_one_statement(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    with count_statements(factory) as counted:
        assert factory.plugins.find(plugin_key(plugin)) == plugin
    assert counted.count == 1


def test_reads_are_one_statement_each(factory: DAOFactory) -> None:
    add_consumer(factory)
    with count_statements(factory) as counted:
        factory.consumers.find_all({"username": "x"})
        factory.consumers.count({"username": "x"})
        factory.consumers.find_page(size=10)
    assert counted.count == 3


def test_a_whole_table_count_of_a_small_table_is_at_most_two_statements(factory: DAOFactory) -> None:
    add_consumer(factory)
    with count_statements(factory) as counted:
        assert factory.consumers.count() == 1
    # one, or two where a store reads a scan in slices of its token ring (the first tells the size)
    assert 1 <= counted.count <= 2
