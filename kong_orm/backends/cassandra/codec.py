"""Field values to CQL values and back, so rows look the same as on SQL.

``created_at`` is a CQL ``timestamp`` read back as integer milliseconds;
tables and arrays are JSON text; numbers are doubles. What a read gives back
follows :func:`kong_orm.schema.fields.as_read`, as on every backend.
"""
from __future__ import annotations

import calendar
import datetime
import json
from collections.abc import Mapping
from typing import Any

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind, as_read

_JSON_KINDS = (Kind.TABLE, Kind.ARRAY)


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
    if value is None:
        return None
    if f.kind in _JSON_KINDS:
        return as_read(f, json.loads(value))
    if f.kind is Kind.TIMESTAMP:
        return to_ms(value)
    return as_read(f, value)


def to_ms(moment: datetime.datetime | int) -> int:
    """Milliseconds since the epoch of a driver ``datetime`` (naive UTC).

    The driver goes through float seconds, which far from 1970 are off by some
    microseconds either way: round to the nearest millisecond.
    """
    if isinstance(moment, int):
        return moment
    micros = calendar.timegm(moment.utctimetuple()) * 1_000_000 + moment.microsecond
    return (micros + 500) // 1000


def encode_row(entity: Entity, row: Mapping[str, Any], names: tuple[str, ...]) -> list[Any]:
    """Bind values for the fields ``names`` of ``row``."""
    return [encode(entity[name], row.get(name)) for name in names]


def decode_row(entity: Entity, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as kong_orm's plain dict of every field."""
    return {f.name: decode(f, stored.get(f.name)) for f in entity.fields}


def as_stored(entity: Entity, row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` as a read would return it, without reading it."""
    return {f.name: decode(f, encode(f, row.get(f.name))) for f in entity.fields}


def group_value(values: list[Any]) -> str:
    """The claim of a unique group: its values as JSON, ``None`` included."""
    return json.dumps([None if v is None else str(v) for v in values], separators=(",", ":"))
