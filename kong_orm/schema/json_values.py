"""What tables and arrays (``config`` included) may hold: JSON every store keeps as given.

PostgreSQL keeps them as JSONB, SQLite and Cassandra as JSON text. All three
give back unchanged: ``None``, booleans, strings without NUL characters or
lone surrogates, integers within ``±(2**53 - 1)``, finite floats, lists
(a tuple becomes a list) and dicts with string keys, nested at most
:data:`MAX_DEPTH` levels and at most :data:`MAX_BYTES` as JSON.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from kong_orm.schema.fields import MAX_SAFE_INTEGER, text_problem

MAX_DEPTH = 32
MAX_BYTES = 1 << 20
"""1 MiB: well under what a Cassandra write (16 MiB, the old row included on update) carries."""


class JSONValueError(ValueError):
    """A value no store keeps as given; ``path`` names it below the field."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def as_json_value(value: Any) -> Any:
    """A copy of ``value`` made of plain JSON types, or :class:`JSONValueError` for its first bad part."""
    clean = _clean(value, (), 0)
    if len(json.dumps(clean, separators=(",", ":"))) > MAX_BYTES:
        raise JSONValueError((), f"is larger than {MAX_BYTES} bytes as JSON")
    return clean


def _clean(value: Any, path: tuple[str, ...], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise JSONValueError(path, f"is nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise JSONValueError(path, "is out of range (integers from -(2^53 - 1) to 2^53 - 1)")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise JSONValueError(path, f"{value} is not a finite number")
        return float(value)
    if isinstance(value, str):
        return _text(value, path)
    if isinstance(value, (list, tuple)):
        return [_clean(item, (*path, str(index)), depth + 1) for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {_key(key, path): _clean(item, (*path, str(key)), depth + 1) for key, item in value.items()}
    raise JSONValueError(path, f"{type(value).__name__} is not a JSON value")


def _key(key: Any, path: tuple[str, ...]) -> str:
    if not isinstance(key, str):
        raise JSONValueError((*path, str(key)), f"key {key!r} is not a string")
    problem = text_problem(key)
    if problem:
        raise JSONValueError((*path, ascii(key)), f"key {problem}")
    return str.__str__(key)


def _text(text: str, path: tuple[str, ...]) -> str:
    problem = text_problem(text)
    if problem:
        raise JSONValueError(path, problem)
    return str.__str__(text)
