"""Field kinds and the coercions Kong's schema validator applied to them.

Every backend stores and returns the same Python types, so coercion happens
here, once, before a value reaches any store.
"""
from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


class Kind(str, enum.Enum):
    """The value kinds of Kong's schemas."""

    ID = "id"
    TIMESTAMP = "timestamp"
    STRING = "string"
    BOOLEAN = "boolean"
    NUMBER = "number"
    URL = "url"
    TABLE = "table"
    ARRAY = "array"
    COUNTER = "counter"
    """A whole number changed only by increments (rate-limiting metrics)."""


class CoercionError(ValueError):
    """A value cannot be read as its field's kind; ``str(err)`` is Kong's message."""


MISSING: Any = object()
"""Marks a field without a default (``None`` is a valid default)."""

Check = Callable[[Any, Mapping[str, Any]], "str | None"]
"""A field rule: ``check(value, row)`` returns an error message or ``None``."""


@dataclass(frozen=True)
class Field:
    """One field of an entity or of a nested (plugin config) schema.

    :param auto: generated on insert (Kong's ``dao_insert_value``): never
        required from the caller, filled by the repository.
    :param foreign: ``"entity.field"`` this field references; deleting the
        parent deletes the child (transitively).
    :param default: a value, or a callable of the row being validated.
    :param check: extra rule run once the value has the right kind.
    :param normalize: rewrites a valid value (``request_path`` drops its
        trailing slash).
    :param schema: for ``table`` fields, a callable of the row returning the
        nested schema, or raising :class:`CoercionError` with Kong's message.
    :param max_length: the longest text (in characters) a ``string`` or
        ``url`` field takes. An :class:`~kong_orm.schema.entity.Entity` sets
        it on every field a store indexes, from the limits of the stores.
    """

    name: str
    kind: Kind
    required: bool = False
    unique: bool = False
    immutable: bool = False
    auto: bool = False
    foreign: str | None = None
    default: Any = MISSING
    check: Check | None = None
    normalize: Callable[[Any], Any] | None = None
    schema: Callable[[Mapping[str, Any]], Any] | None = field(default=None, compare=False)
    max_length: int | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING

    def default_for(self, row: Mapping[str, Any]) -> Any:
        if callable(self.default):
            return self.default(row)
        return _fresh_copy(self.default)

    @property
    def nullable(self) -> bool:
        """Whether a stored row may hold null here (defaults that are plain values never yield null)."""
        if self.kind is Kind.COUNTER:
            return False
        return not (self.required or self.auto or (self.has_default and not callable(self.default)))

    @property
    def foreign_entity(self) -> str | None:
        return self.foreign.partition(".")[0] if self.foreign else None

    @property
    def foreign_field(self) -> str | None:
        return self.foreign.partition(".")[2] if self.foreign else None


def _fresh_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fresh_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh_copy(v) for v in value]
    return value


def parse_uuid(value: Any) -> uuid.UUID:
    """Read a UUID from a ``UUID`` or its canonical string form."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and len(value.strip()) == 36:
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise CoercionError(f"{value} is not a valid uuid")


def _as_boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise CoercionError(f"{name} is not a boolean")


MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer every store gives back exactly: numbers are doubles, and
JSON readers (PostgreSQL's JSONB printing included) keep integers exact up to here."""
MIN_TIMESTAMP = -62_135_596_800_000
MAX_TIMESTAMP = 253_402_300_799_999
"""Timestamps span the years 1 to 9999 (UTC), in milliseconds: what every store,
and Python's ``datetime`` that the Cassandra driver reads them into, can hold."""


def _as_number(name: str, value: Any) -> int | float:
    if isinstance(value, str):
        value = _parse_number(name, value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CoercionError(f"{name} is not a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CoercionError(f"{name} is not a number")
        return float(value)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise CoercionError(f"{name} is out of range (integers from -(2^53 - 1) to 2^53 - 1)")
    return int(value)


def _parse_number(name: str, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise CoercionError(f"{name} is not a number") from None


def _as_timestamp(name: str, value: Any) -> int:
    if isinstance(value, str):
        try:
            value = _parse_number(name, value)
        except CoercionError:
            raise CoercionError(f"{name} is not a timestamp") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CoercionError(f"{name} is not a timestamp")
    if not MIN_TIMESTAMP <= value <= MAX_TIMESTAMP:
        raise CoercionError(f"{name} is out of range (years 1 to 9999)")
    return int(value)


def _as_counter(name: str, value: Any) -> int:
    number = _as_number(name, value)
    if not isinstance(number, int):
        raise CoercionError(f"{name} is not a whole number")
    return number


def _as_array(name: str, value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")] if value else []
    if isinstance(value, (list, tuple)):
        return list(value)
    raise CoercionError(f"{name} is not an array")


def _as_url(name: str, value: Any) -> str:
    if isinstance(value, str):
        text = _as_text(name, value)
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme and parts.hostname:
            return text
    raise CoercionError(f"{name} is not a url")


def text_problem(text: str) -> str | None:
    """What keeps ``text`` out of the stores (PostgreSQL refuses both), or ``None``."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid unicode text"
    return None


def _as_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise CoercionError(f"{name} is not a string")
    problem = text_problem(value)
    if problem:
        raise CoercionError(f"{name} {problem}")
    return str.__str__(value)


def _as_type(python_type: type, label: str) -> Callable[[str, Any], Any]:
    def coerce(name: str, value: Any) -> Any:
        if isinstance(value, python_type):
            return value
        raise CoercionError(f"{name} is not a {label}")

    return coerce


def _as_id(name: str, value: Any) -> uuid.UUID:
    return parse_uuid(value)


_COERCERS: dict[Kind, Callable[[str, Any], Any]] = {
    Kind.ID: _as_id,
    Kind.TIMESTAMP: _as_timestamp,
    Kind.STRING: _as_text,
    Kind.BOOLEAN: _as_boolean,
    Kind.NUMBER: _as_number,
    Kind.URL: _as_url,
    Kind.TABLE: _as_type(dict, "table"),
    Kind.ARRAY: _as_array,
    Kind.COUNTER: _as_counter,
}


READ_AS_STORED = frozenset({Kind.ID, Kind.TIMESTAMP, Kind.STRING, Kind.URL, Kind.COUNTER})
"""Kinds whose stored values :func:`as_read` gives back unchanged (readers may skip it for them)."""


def as_read(f: Field, value: Any) -> Any:
    """A value a store gave back, in the type every backend returns for ``f``'s kind.

    A ``number`` field is a double in every store: it reads back as ``float``.
    Some stores keep booleans as integers. Inside tables and arrays (JSON),
    integers and floats read back as they were written; PostgreSQL prints
    large floats (from 1e16) as integers, which cannot have been written as
    integers (those stay within :data:`MAX_SAFE_INTEGER`), so they turn back
    into floats.
    """
    if value is None or f.kind in READ_AS_STORED:
        return value
    if f.kind is Kind.NUMBER:
        return float(value)
    if f.kind is Kind.BOOLEAN:
        return bool(value)
    if f.kind in (Kind.TABLE, Kind.ARRAY):
        return _json_as_written(value)
    return value


def _json_as_written(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_as_written(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        return float(value)
    return value


def coerce(f: Field, value: Any) -> Any:
    """Return ``value`` as ``f``'s kind (strings stripped first), or raise
    :class:`CoercionError` with Kong's message."""
    if isinstance(value, str):
        value = value.strip()
    value = _COERCERS[f.kind](f.name, value)
    if f.max_length is not None and isinstance(value, str) and len(value) > f.max_length:
        raise CoercionError(f"{f.name} must be at most {f.max_length} characters long")
    return value
