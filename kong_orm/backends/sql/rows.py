"""Database rows to kong_orm's plain dicts."""
from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.types import TypeEngine

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Kind, as_read

_READ_AS_GIVEN = frozenset((Kind.ID, Kind.TIMESTAMP, Kind.STRING, Kind.URL, Kind.COUNTER))
"""Kinds :func:`as_read` returns as the driver gave them (unless the column type converts)."""


def to_dict(entity: Entity, row: Sequence[Any]) -> dict[str, Any]:
    """A row (values in field order, already Python values) as a plain dict of every field."""
    return {f.name: as_read(f, value) for f, value in zip(entity.fields, row)}


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    try:
        processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(dialect, None)
    except (TypeError, InvalidRequestError):
        # a type that picks its conversion by the driver's type code (PostgreSQL's
        # numbers): the code is only known per cursor, and psycopg2 already
        # returns a float for the double precision columns used here
        return None
    return processor


def _chain(first: Callable[[Any], Any] | None, then: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if first is None:
        return then
    return lambda value: then(first(value))


class RowReader:
    """Turns the driver's rows of one entity (columns in field order) into plain dicts.

    Each value goes through the column type's result conversion for the
    dialect (SQLite keeps UUIDs as hex text and JSON as text), then the
    centre's read-back rule.
    """

    def __init__(self, entity: Entity, table: Table, dialect: Dialect) -> None:
        self.entity = entity
        self.names = tuple(entity.field_names)
        fixes = []
        for f in entity.fields:
            stored = _result_processor(table.c[f.name].type, dialect)
            if f.kind in _READ_AS_GIVEN or (f.kind is Kind.BOOLEAN and stored is not None):
                fix = stored  # as_read would return the converted value unchanged
            else:
                fix = _chain(stored, functools.partial(as_read, f))
            if fix is not None:
                fixes.append((f.name, fix))
        self._fixes = tuple(fixes)
        self._nested = tuple(f.name for f in entity.fields if f.kind in (Kind.TABLE, Kind.ARRAY))

    def __call__(self, values: Sequence[Any]) -> dict[str, Any]:
        row = dict(zip(self.names, values))
        for name, fix in self._fixes:  # only the fields whose stored value needs converting
            value = row[name]
            if value is not None:
                row[name] = fix(value)
        return row

    def as_stored(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row computed in Python (validated values) as a read would return it: nested
        values are copies, so the caller's own dicts and lists never alias the result."""
        stored = to_dict(self.entity, [row[name] for name in self.names])
        for name in self._nested:
            stored[name] = copy.deepcopy(stored[name])
        return stored
