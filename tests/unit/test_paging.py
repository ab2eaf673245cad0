"""Offsets are opaque strings that only kong_orm, under the same key, makes and reads back."""
from __future__ import annotations

import base64
import hashlib

import pytest

from kong_orm.errors import SchemaError
from kong_orm.paging import MAX_OFFSET_LENGTH, PROCESS_OFFSETS, TAG_SIZE, Offsets, query_of

QUERY = query_of("consumers", {"username": "x"})
OFFSETS = Offsets("a secret of this deployment")


def _schema_error(offsets: Offsets, offset: object, query: bytes = QUERY) -> SchemaError:
    with pytest.raises(SchemaError) as raised:
        offsets.decode(offset, query)
    return raised.value


@pytest.mark.parametrize("position", [b"\x00\xff\x10", b'["8d1f..."]', bytes(range(256))])
def test_offsets_round_trip(position: bytes) -> None:
    offset = OFFSETS.encode(position, QUERY)
    assert isinstance(offset, str) and offset.isascii() and "=" not in offset
    assert OFFSETS.decode(offset, QUERY) == position


def test_no_position_is_no_offset() -> None:
    assert OFFSETS.encode(None, QUERY) is None


@pytest.mark.parametrize("offset", ["", "!!!", "a", 12, None, "[" * 100_000, "A" * 64])
def test_garbage_is_a_schema_error(offset: object) -> None:
    assert str(_schema_error(OFFSETS, offset)) == "offset=offset is not valid"


@pytest.mark.parametrize(
    "entity, filter_", [("apis", {"username": "x"}), ("consumers", {"username": "y"}), ("consumers", {})]
)
def test_an_offset_belongs_to_its_entity_and_filter(entity: str, filter_: dict[str, str]) -> None:
    offset = OFFSETS.encode(b"position", QUERY)
    _schema_error(OFFSETS, offset, query_of(entity, filter_))


def test_an_offset_belongs_to_its_key() -> None:
    offset = OFFSETS.encode(b"position", QUERY)
    _schema_error(Offsets("another secret"), offset)
    _schema_error(PROCESS_OFFSETS, offset)
    assert Offsets("a secret of this deployment").decode(offset, QUERY) == b"position"


def test_an_altered_position_is_refused() -> None:
    offset = OFFSETS.encode(b'["00000000-0000-0000-0000-000000000001"]', QUERY)
    assert offset is not None
    raw = bytearray(base64.urlsafe_b64decode(offset + "=" * (-len(offset) % 4)))
    raw[3] ^= 1
    _schema_error(OFFSETS, base64.urlsafe_b64encode(bytes(raw)).decode())


def test_an_offset_rebuilt_from_public_data_is_refused() -> None:
    # what the unkeyed digest of earlier releases allowed: position + hash of the query
    position = b'["' + b"[" * 1000 + b'"]'
    forged = position + hashlib.blake2b(QUERY, digest_size=TAG_SIZE).digest()
    _schema_error(OFFSETS, base64.urlsafe_b64encode(forged).decode())


def test_overlong_offsets_are_refused_before_decoding() -> None:
    offset = OFFSETS.encode(b"x" * MAX_OFFSET_LENGTH, QUERY)
    _schema_error(OFFSETS, offset)


@pytest.mark.parametrize("secret", ["", b"", 12345, ["x"]])
def test_a_secret_is_a_non_empty_string(secret: object) -> None:
    with pytest.raises(ValueError):
        Offsets(secret)


def test_a_bytes_secret_is_the_same_as_its_text() -> None:
    offset = Offsets(b"s3cret").encode(b"p", QUERY)
    assert Offsets("s3cret").decode(offset, QUERY) == b"p"
