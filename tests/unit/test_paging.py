"""Offsets are opaque strings that round-trip any position."""
from __future__ import annotations

import pytest

from kong_orm.errors import SchemaError
from kong_orm.paging import decode_offset, encode_offset


@pytest.mark.parametrize("position", [b"\x00\xff\x10", b'["8d1f..."]', bytes(range(256))])
def test_offsets_round_trip(position: bytes) -> None:
    offset = encode_offset(position)
    assert isinstance(offset, str) and offset.isascii() and "=" not in offset
    assert decode_offset(offset) == position


def test_no_position_is_no_offset() -> None:
    assert encode_offset(None) is None


@pytest.mark.parametrize("offset", ["", "!!!", "a", 12])
def test_garbage_is_a_schema_error(offset: object) -> None:
    with pytest.raises(SchemaError):
        decode_offset(offset)  # type: ignore[arg-type]
