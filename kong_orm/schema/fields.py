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
        return self.foreign.split(".", 1)[0] if self.foreign else None

    @property
    def foreign_field(self) -> str | None:
        return self.foreign.split(".", 1)[1] if self.foreign else None


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


_INT64 = 2**63


def _as_number(name: str, value: Any) -> int | float:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            try:
                value = float(value)
            except ValueError:
                raise CoercionError(f"{name} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CoercionError(f"{name} is not a number")
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        raise CoercionError(f"{name} is out of range")
    return value


def _as_timestamp(name: str, value: Any) -> int:
    try:
        number = _as_number(name, value)
    except CoercionError:
        raise CoercionError(f"{name} is not a timestamp") from None
    return int(number)


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
        _as_text(name, value)
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme and parts.hostname:
            return value
    raise CoercionError(f"{name} is not a url")


def _as_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise CoercionError(f"{name} is not a string")
    if "\x00" in value:
        raise CoercionError(f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CoercionError(f"{name} is not valid unicode text") from None
    return value


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


def as_read(f: Field, value: Any) -> Any:
    """A value a store gave back, in the type every backend returns for ``f``'s kind.

    Stores keep numbers as doubles and some keep booleans as integers: an
    integral number reads back as ``int``, a boolean as ``bool``.
    """
    if f.kind is Kind.NUMBER and isinstance(value, float) and value.is_integer():
        return int(value)
    if f.kind is Kind.BOOLEAN and value is not None:
        return bool(value)
    return value


def coerce(f: Field, value: Any) -> Any:
    """Return ``value`` as ``f``'s kind (strings stripped first), or raise
    :class:`CoercionError` with Kong's message."""
    if isinstance(value, str):
        value = value.strip()
    return _COERCERS[f.kind](f.name, value)
