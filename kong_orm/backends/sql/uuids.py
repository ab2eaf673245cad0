"""Stored UUIDs read as :class:`uuid.UUID` at a third of the usual cost.

``uuid.UUID(text)`` accepts many spellings (braces, ``urn:uuid:``, no dashes)
and checks each; a store only ever gives back the one it writes: PostgreSQL
its canonical text, SQLite (through SQLAlchemy's ``Uuid``) 32 hex digits.
Reading a row of ``consumers`` spent a third of its time in that parsing, so
PostgreSQL connections get a ``uuid`` type caster and SQLite rows a reader
that build the value from its integer directly.
"""
from __future__ import annotations

import uuid
from typing import Any

UUID_OID = 2950
"""PostgreSQL's type oid of ``uuid``."""

_new = object.__new__
_set = object.__setattr__  # UUID forbids setting attributes: it is immutable once made
_UNKNOWN = uuid.SafeUUID.unknown  # what uuid.UUID(text) records


def canonical_uuid(text: str | None, cursor: Any = None) -> uuid.UUID | None:
    """The UUID of a store's text of a UUID, canonical or bare hex digits (``None`` for NULL);
    equal to ``uuid.UUID(text)``."""
    if text is None:
        return None
    value = _new(uuid.UUID)
    _set(value, "int", int(text.replace("-", ""), 16))
    _set(value, "is_safe", _UNKNOWN)
    return value


def register_uuid_caster(dbapi_connection: Any) -> None:
    """Read ``uuid`` columns of ``dbapi_connection`` (psycopg2) with :func:`canonical_uuid`."""
    from psycopg2 import extensions  # type: ignore[import-untyped]

    extensions.register_type(extensions.new_type((UUID_OID,), "KONG_ORM_UUID", canonical_uuid), dbapi_connection)
