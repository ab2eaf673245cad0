"""find_page: opaque offsets, stable and complete pages."""
from __future__ import annotations

from typing import Any

import pytest

from kong_orm.errors import SchemaError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin


def _all_pages(factory: DAOFactory, size: int) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    offset = None
    while True:
        rows, offset = factory.consumers.find_page(None, offset, size)
        pages.append(rows)
        if offset is None:
            return pages
        assert isinstance(offset, str)


def test_pages_cover_every_row_once(factory: DAOFactory) -> None:
    ids = {add_consumer(factory)["id"] for _ in range(100)}
    pages = _all_pages(factory, 30)
    assert [len(page) for page in pages] == [30, 30, 30, 10]
    seen = [row["id"] for page in pages for row in page]
    assert len(seen) == len(set(seen)) and set(seen) == ids


def test_last_full_page_has_no_next_offset(factory: DAOFactory) -> None:
    for _ in range(20):
        add_consumer(factory)
    assert [len(page) for page in _all_pages(factory, 10)] == [10, 10]
    assert [len(page) for page in _all_pages(factory, 20)] == [20]


def test_empty_table_is_one_empty_page(factory: DAOFactory) -> None:
    assert factory.apis.find_page() == ([], None)


def test_default_page_size_is_100(factory: DAOFactory) -> None:
    for _ in range(101):
        add_consumer(factory)
    rows, offset = factory.consumers.find_page()
    assert len(rows) == 100 and offset is not None


def test_pages_are_stable(factory: DAOFactory) -> None:
    for _ in range(25):
        add_consumer(factory)
    assert _all_pages(factory, 7) == _all_pages(factory, 7)


def test_pages_follow_the_filter(factory: DAOFactory) -> None:
    api, other = add_api(factory), add_api(factory)
    for _ in range(12):
        add_plugin(factory, api, name="rate-limiting", consumer_id=add_consumer(factory)["id"])
    add_plugin(factory, other)
    seen, offset = [], None
    while True:
        rows, offset = factory.plugins.find_page({"api_id": api["id"]}, offset, 5)
        seen.extend(rows)
        if offset is None:
            break
    assert len(seen) == 12 and all(row["api_id"] == api["id"] for row in seen)


def test_garbage_offset_is_a_schema_error(factory: DAOFactory) -> None:
    add_consumer(factory)
    with pytest.raises(SchemaError):
        factory.consumers.find_page(None, "not an offset!", 10)


@pytest.mark.parametrize("size, error", [("10", TypeError), (0, ValueError), (-1, ValueError)])
def test_size_must_be_a_positive_int(factory: DAOFactory, size: object, error: type) -> None:
    with pytest.raises(error):
        factory.consumers.find_page(None, None, size)  # type: ignore[arg-type]


def test_offsets_belong_to_their_entity_and_filter(factory: DAOFactory) -> None:
    api = add_api(factory)
    for _ in range(3):
        add_consumer(factory)
        add_plugin(factory, api, consumer_id=add_consumer(factory)["id"])
    _, offset = factory.consumers.find_page(None, None, 1)
    assert offset is not None
    with pytest.raises(SchemaError):
        factory.plugins.find_page(None, offset, 1)
    with pytest.raises(SchemaError):
        factory.consumers.find_page({"username": "x"}, offset, 1)


def test_page_size_has_a_ceiling(factory: DAOFactory) -> None:
    with pytest.raises(ValueError):
        factory.consumers.find_page(None, None, 10**9)
