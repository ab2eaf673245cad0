"""Opaque page offsets: a backend's position bytes, authenticated, as a URL-safe string.

An offset is the position followed by a tag, in URL-safe base64. The tag is a
keyed MAC (HMAC-SHA256) of the query the page belongs to (entity and filter)
and of the position, so only kong_orm, under the same key, makes offsets that
decode: a forged or altered offset, or one made for another query or under
another key, is a :class:`SchemaError` before any store sees it, and backends
only ever decode positions they made themselves.

The key comes from the config option ``offset_secret``. Without one, each
process draws a random key at start: offsets then do not survive a restart
and cannot be handed to another process (set the same ``offset_secret``
everywhere offsets must travel).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from kong_orm.errors import SchemaError

TAG_SIZE = 16
MAX_OFFSET_LENGTH = 16_384
"""Longest offset accepted, in characters (positions are well under 4 KiB)."""
_PURPOSE = b"kong_orm page offset v1\0"
_PROCESS_KEY = secrets.token_bytes(32)


def invalid_offset() -> SchemaError:
    """The error of every offset that cannot be used."""
    return SchemaError({"offset": "offset is not valid"})


def query_of(entity: str, filter_: Mapping[str, Any]) -> bytes:
    """The query a page belongs to, as bytes: entity name and (coerced) filter."""
    pairs = sorted((name, str(value)) for name, value in filter_.items())
    return json.dumps([entity, pairs], separators=(",", ":")).encode()


class Offsets:
    """Makes and checks offsets under one key.

    :param secret: the ``offset_secret`` option (a non-empty string or
        bytes); ``None`` uses this process's random key.
    """

    def __init__(self, secret: object = None) -> None:
        self._key = _PROCESS_KEY if secret is None else _key_of(secret)

    def encode(self, position: bytes | None, query: bytes) -> str | None:
        """The offset of a backend's resume position (``None`` stays ``None``)."""
        if position is None:
            return None
        raw = position + self._tag(position, query)
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def decode(self, offset: object, query: bytes) -> bytes:
        """The position in an offset this key made for ``query``, or :class:`SchemaError`."""
        if not isinstance(offset, str) or not offset or len(offset) > MAX_OFFSET_LENGTH:
            raise invalid_offset()
        try:
            raw = base64.b64decode(offset + "=" * (-len(offset) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise invalid_offset() from None
        position, tag = raw[:-TAG_SIZE], raw[-TAG_SIZE:]
        if not position or not hmac.compare_digest(tag, self._tag(position, query)):
            raise invalid_offset()
        return position

    def _tag(self, position: bytes, query: bytes) -> bytes:
        message = _PURPOSE + len(query).to_bytes(4, "big") + query + position
        return hmac.new(self._key, message, hashlib.sha256).digest()[:TAG_SIZE]


def _key_of(secret: object) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8", "surrogatepass")
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("offset_secret must be a non-empty string")
    return secret


PROCESS_OFFSETS = Offsets()
"""Offsets under this process's random key (no ``offset_secret`` configured)."""
