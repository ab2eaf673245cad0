"""Counts that scan a table are split into slices of the token ring."""
from __future__ import annotations

import pytest

from kong_orm import DAOFactory
from kong_orm.backends.cassandra import reads
from kong_orm.backends.cassandra.reads import COUNT_SLICES, ring_slices
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_api, add_consumer

LOWEST, HIGHEST = -(2**63), 2**63 - 1


def test_the_slices_cover_the_ring_once() -> None:
    slices = ring_slices(COUNT_SLICES)
    assert len(slices) == COUNT_SLICES
    assert slices[0][0] == LOWEST and slices[-1][1] == HIGHEST
    assert all(low < high for low, high in slices)
    assert all(previous[1] == following[0] for previous, following in zip(slices, slices[1:]))


def test_a_small_table_is_counted_in_two_statements(factory: DAOFactory) -> None:
    for index in range(50):
        add_consumer(factory, custom_id=f"c{index}")
    with count_statements(factory) as counted:
        assert factory.consumers.count() == 50  # the first slice, then the rest of the ring
        assert factory.consumers.count({"custom_id": "c7"}) == 1  # indexed: one lookup
    assert [("token(" in statement) for statement in counted.statements] == [True, True, False]


def test_a_large_table_is_counted_slice_by_slice(factory: DAOFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "ONE_STATEMENT_ROWS", -1)  # as if the first slice held many rows
    for index in range(50):
        add_consumer(factory, custom_id=f"c{index}")
    with count_statements(factory) as counted:
        assert factory.consumers.count() == 50
    assert counted.count == COUNT_SLICES and all("token(" in statement for statement in counted.statements)


def test_a_filter_on_an_unindexed_field_counts_by_token_ranges_too(
    factory: DAOFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reads, "ONE_STATEMENT_ROWS", -1)
    add_api(factory, upstream_url="http://counted.example.com")
    add_api(factory)
    with count_statements(factory) as counted:
        assert factory.apis.count({"upstream_url": "http://counted.example.com"}) == 1
    filtered = [statement for statement in counted.statements if "ALLOW FILTERING" in statement]
    # the first slice filtered, then unfiltered (the rows a filter scans tell the size), then the rest
    assert (len(filtered), counted.count) == (COUNT_SLICES, COUNT_SLICES + 1)


def test_a_filtered_count_of_a_small_table_takes_three_statements(factory: DAOFactory) -> None:
    add_api(factory, upstream_url="http://counted.example.com")
    with count_statements(factory) as counted:
        assert factory.apis.count({"upstream_url": "http://counted.example.com"}) == 1
        assert factory.apis.count({"upstream_url": "http://elsewhere.example.com"}) == 0
    assert counted.count == 6
