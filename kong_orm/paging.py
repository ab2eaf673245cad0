"""Opaque page offsets: a backend's position bytes as a URL-safe string.

An offset carries a short digest of the query it belongs to (entity and
filter), so an offset handed to another entity or filter is refused instead
of paging from an unrelated place.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from kong_orm.errors import SchemaError

_DIGEST_SIZE = 8


def invalid_offset() -> SchemaError:
    """The error of every offset that cannot be used."""
    return SchemaError({"offset": "offset is not valid"})


def query_digest(entity: str, filter_: Mapping[str, Any]) -> bytes:
    """A digest naming the query a page belongs to."""
    text = repr((entity, sorted((name, str(value)) for name, value in filter_.items())))
    return hashlib.blake2b(text.encode(), digest_size=_DIGEST_SIZE).digest()


def encode_offset(position: bytes | None, query: bytes) -> str | None:
    """Turn a backend's resume position into the offset callers pass back."""
    if position is None:
        return None
    return base64.urlsafe_b64encode(position + query).decode("ascii").rstrip("=")


def decode_offset(offset: str, query: bytes) -> bytes:
    """The position in an offset made by :func:`encode_offset` for the same query."""
    if not isinstance(offset, str) or not offset:
        raise invalid_offset()
    try:
        raw = base64.b64decode(offset + "=" * (-len(offset) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise invalid_offset() from None
    position, digest = raw[:-_DIGEST_SIZE], raw[-_DIGEST_SIZE:]
    if not position or digest != query:
        raise invalid_offset()
    return position
