"""stream: every row once, a page at a time, read only as the caller consumes it."""
from __future__ import annotations

import pytest

from kong_orm.errors import SchemaError
from kong_orm.factory import DAOFactory
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_plugin


def _paged(factory: DAOFactory, size: int) -> list[dict[str, object]]:
    rows, offset = factory.consumers.find_page(size=size)
    while offset is not None:
        more, offset = factory.consumers.find_page(offset=offset, size=size)
        rows.extend(more)
    return rows


def test_stream_yields_every_row_once_in_page_order(factory: DAOFactory) -> None:
    factory.consumers.insert_many({"username": f"s{n}"} for n in range(23))
    rows = list(factory.consumers.stream(page_size=5))
    assert len(rows) == 23
    assert sorted(row["username"] for row in rows) == sorted(f"s{n}" for n in range(23))
    assert rows == _paged(factory, 5)


def test_stream_filters_like_find_all(factory: DAOFactory) -> None:
    first, second = add_api(factory), add_api(factory)
    mine = [add_plugin(factory, first, name=name, config={}) for name in ("key-auth", "cors")]
    add_plugin(factory, second, name="key-auth", config={})
    found = list(factory.plugins.stream({"api_id": first["id"]}, page_size=1))
    assert sorted(found, key=lambda row: row["name"]) == sorted(mine, key=lambda row: row["name"])
    assert list(factory.plugins.stream({"api_id": first["id"], "name": "nope"})) == []


def test_stream_reads_a_page_only_once_the_previous_one_is_consumed(factory: DAOFactory) -> None:
    factory.consumers.insert_many({"username": f"lazy{n}"} for n in range(12))
    with count_statements(factory) as counted:
        rows = factory.consumers.stream(page_size=5)
        assert counted.count == 0
        for _ in range(5):
            next(rows)
        first_page = counted.count
        assert first_page > 0
        next(rows)
        assert counted.count > first_page
        assert len(list(rows)) == 6


def test_stream_checks_its_arguments_at_once(factory: DAOFactory) -> None:
    with pytest.raises(SchemaError):
        factory.consumers.stream({"foo": "bar"})
    with pytest.raises(ValueError):
        factory.consumers.stream(page_size=0)
    with pytest.raises(TypeError):
        factory.consumers.stream(page_size="10")  # type: ignore[arg-type]
    assert list(factory.consumers.stream()) == []
