"""Opaque page offsets: a backend's position bytes as a URL-safe string."""
from __future__ import annotations

import base64
import binascii

from kong_orm.errors import SchemaError


def encode_offset(position: bytes | None) -> str | None:
    """Turn a backend's resume position into the offset callers pass back."""
    if position is None:
        return None
    return base64.urlsafe_b64encode(position).decode("ascii").rstrip("=")


def decode_offset(offset: str) -> bytes:
    """Read an offset made by :func:`encode_offset`; anything else is a :class:`SchemaError`."""
    if not isinstance(offset, str) or not offset:
        raise SchemaError({"offset": f"{offset!r} is not a valid offset"})
    try:
        return base64.b64decode(offset + "=" * (-len(offset) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise SchemaError({"offset": f"{offset!r} is not a valid offset"}) from None
