"""find_page on Cassandra: the driver's paging state as the offset."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kong_orm import DAOFactory, SchemaError
from tests.cassandra.conftest import backend_of

ROWS = 10_000
PAGE = 100


def _pages(factory: DAOFactory, size: int, filter_: dict[str, Any] | None = None) -> list[list[dict[str, Any]]]:
    pages, offset = [], None
    while True:
        rows, offset = factory.nodes.find_page(filter_, offset, size)
        pages.append(rows)
        if offset is None:
            return pages


@pytest.mark.slow
def test_ten_thousand_rows_in_pages_of_a_hundred_each_seen_once(factory: DAOFactory) -> None:
    def add(n: int) -> str:
        node = factory.nodes.insert({"name": f"node-{n:05d}", "cluster_listening_address": "10.0.0.1:7946"})
        return str(node["name"])

    with ThreadPoolExecutor(16) as pool:
        names = set(pool.map(add, range(ROWS)))
    pages = _pages(factory, PAGE)
    seen = [row["name"] for page in pages for row in page]
    assert [len(page) for page in pages] == [PAGE] * (ROWS // PAGE)
    assert len(seen) == len(set(seen)) == ROWS
    assert set(seen) == names


def test_an_offset_of_another_query_is_refused(factory: DAOFactory) -> None:
    for n in range(3):
        factory.nodes.insert({"name": f"n{n}", "cluster_listening_address": "a:1"})
    _, offset = factory.nodes.find_page(None, None, 1)
    assert offset is not None
    with pytest.raises(SchemaError) as raised:
        factory.nodes.find_page({"cluster_listening_address": "a:1"}, offset, 1)
    assert raised.value.errors == {"offset": "offset is not valid"}
    with pytest.raises(SchemaError):
        factory.consumers.find_page(None, offset, 1)


def test_a_refused_offset_leaves_the_connection_working(factory: DAOFactory) -> None:
    factory.nodes.insert({"name": "kept", "cluster_listening_address": "a:1"})
    for garbage in ("AAAA", "bm90IGEgc3RhdGU", "x" * 40):
        with pytest.raises(SchemaError):
            factory.nodes.find_page(None, garbage, 10)
    assert factory.nodes.find({"name": "kept"}) is not None


def test_filtered_pages_through_an_index_are_complete(factory: DAOFactory) -> None:
    for n in range(45):
        factory.nodes.insert({"name": f"n{n}", "cluster_listening_address": "even" if n % 2 == 0 else "odd"})
    pages = _pages(factory, 4, {"cluster_listening_address": "even"})
    seen = [row["name"] for page in pages for row in page]
    assert sorted(seen) == sorted(f"n{n}" for n in range(0, 45, 2))
    assert [len(page) for page in pages] == [4] * 5 + [3]


def test_offsets_are_the_paging_state_of_the_driver(factory: DAOFactory) -> None:
    for n in range(3):
        factory.nodes.insert({"name": f"n{n}", "cluster_listening_address": "a:1"})
    with backend_of(factory).count_statements() as counted:
        _, offset = factory.nodes.find_page(None, None, 2)
        rows, last = factory.nodes.find_page(None, offset, 2)
    assert len(rows) == 1 and last is None
    assert counted.count == 3  # a page, the look-ahead that found a row, the last page
