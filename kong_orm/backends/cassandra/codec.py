"""Field values to CQL values and back, so rows look the same as on SQL.

``created_at`` is a CQL ``timestamp`` read back as integer milliseconds;
tables and arrays are JSON text; numbers are doubles. What a read gives back
follows :func:`kong_orm.schema.fields.as_read`, as on every backend.
"""
from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import READ_AS_STORED, Field, Kind, as_read

_JSON_KINDS = (Kind.TABLE, Kind.ARRAY)
_EPOCH = datetime.datetime(1970, 1, 1)
_MICROSECOND = datetime.timedelta(microseconds=1)


def encode(f: Field, value: Any) -> Any:
    """The value to bind for field ``f``."""
    if value is None:
        return None
    if f.kind in _JSON_KINDS:
        return json.dumps(value, separators=(",", ":"))
    if f.kind is Kind.NUMBER:
        return float(value)
    return value


def decode(f: Field, value: Any) -> Any:
    """The row value of field ``f`` read as ``value``."""
    read = _reader(f)
    return value if value is None or read is None else read(value)


def _reader(f: Field) -> Callable[[Any], Any] | None:
    """What turns a stored value of ``f`` (never ``None``) into the value read; ``None``: nothing."""
    if f.kind in _JSON_KINDS:
        return lambda value: as_read(f, json.loads(value))
    if f.kind is Kind.TIMESTAMP:
        return to_ms
    return None if f.kind in READ_AS_STORED else functools.partial(as_read, f)


def to_ms(moment: datetime.datetime | int) -> int:
    """Milliseconds since the epoch of a driver ``datetime`` (naive UTC).

    The driver goes through float seconds, which far from 1970 are off by some
    microseconds either way: round to the nearest millisecond.
    """
    if isinstance(moment, int):
        return moment
    return ((moment - _EPOCH) // _MICROSECOND + 500) // 1000


def encode_row(entity: Entity, row: Mapping[str, Any], names: tuple[str, ...]) -> list[Any]:
    """Bind values for the fields ``names`` of ``row``."""
    return [encode(entity[name], row.get(name)) for name in names]


def decode_row(entity: Entity, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as kong_orm's plain dict of every field."""
    return {f.name: decode(f, stored.get(f.name)) for f in entity.fields}


class RowDecoder:
    """:func:`decode_row` for many rows of one entity: what each field needs is looked up once."""

    def __init__(self, entity: Entity) -> None:
        self._names = entity.field_names
        self._readers = tuple((f.name, read) for f in entity.fields if (read := _reader(f)) is not None)

    def __call__(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        row = {name: stored.get(name) for name in self._names}
        for name, read in self._readers:
            value = row[name]
            if value is not None:
                row[name] = read(value)
        return row


def as_stored(entity: Entity, row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` as a read would return it, without reading it."""
    return {f.name: decode(f, encode(f, row.get(f.name))) for f in entity.fields}


def group_value(values: list[Any]) -> str:
    """The claim of a unique group: its values as JSON, ``None`` included."""
    return json.dumps([None if v is None else str(v) for v in values], separators=(",", ":"))
