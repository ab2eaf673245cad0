"""Offsets are opaque strings that round-trip any position of the query they belong to."""
from __future__ import annotations

import pytest

from kong_orm.errors import SchemaError
from kong_orm.paging import decode_offset, encode_offset, query_digest

QUERY = query_digest("consumers", {"username": "x"})


@pytest.mark.parametrize("position", [b"\x00\xff\x10", b'["8d1f..."]', bytes(range(256))])
def test_offsets_round_trip(position: bytes) -> None:
    offset = encode_offset(position, QUERY)
    assert isinstance(offset, str) and offset.isascii() and "=" not in offset
    assert decode_offset(offset, QUERY) == position


def test_no_position_is_no_offset() -> None:
    assert encode_offset(None, QUERY) is None


@pytest.mark.parametrize("offset", ["", "!!!", "a", 12])
def test_garbage_is_a_schema_error(offset: object) -> None:
    with pytest.raises(SchemaError) as raised:
        decode_offset(offset, QUERY)  # type: ignore[arg-type]
    assert str(raised.value) == "offset=offset is not valid"


@pytest.mark.parametrize(
    "entity, filter_", [("apis", {"username": "x"}), ("consumers", {"username": "y"}), ("consumers", {})]
)
def test_an_offset_belongs_to_its_entity_and_filter(entity: str, filter_: dict[str, str]) -> None:
    offset = encode_offset(b"position", QUERY)
    assert offset is not None
    with pytest.raises(SchemaError):
        decode_offset(offset, query_digest(entity, filter_))
