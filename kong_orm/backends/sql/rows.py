"""Database rows to kong_orm's plain dicts."""
from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.types import TypeEngine

from kong_orm.backends.sql.uuids import canonical_uuid
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import READ_AS_STORED, Kind, as_read


def to_dict(entity: Entity, row: Sequence[Any]) -> dict[str, Any]:
    """A row (values in field order, already Python values) as a plain dict of every field."""
    return {f.name: as_read(f, value) for f, value in zip(entity.fields, row)}


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(type_, Uuid) and type_.as_uuid and not dialect.supports_native_uuid:
        return canonical_uuid  # what SQLAlchemy's own processor gives, without its general parsing
    try:
        processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(dialect, None)
    except (TypeError, InvalidRequestError):
        # a type that picks its conversion by the driver's type code (PostgreSQL's
        # numbers): the code is only known per cursor, and psycopg2 already
        # returns a float for the double precision columns used here
        return None
    return processor


def _chain(first: Callable[[Any], Any] | None, then: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    if first is None or then is None:
        return first or then
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
        fixes = []  # only the fields that need a conversion: this runs for every value read
        for f in entity.fields:
            stored = _result_processor(table.c[f.name].type, dialect)
            read = None if f.kind in READ_AS_STORED else functools.partial(as_read, f)
            if f.kind is Kind.BOOLEAN and stored is not None:
                read = None  # the column type already gives a bool
            fix = _chain(stored, read)
            if fix is not None:
                fixes.append((f.name, fix))
        self._fixes = tuple(fixes)
        self._nested = tuple(f.name for f in entity.fields if f.kind in (Kind.TABLE, Kind.ARRAY))

    def __call__(self, values: Sequence[Any]) -> dict[str, Any]:
        row = dict(zip(self.names, values))
        for name, fix in self._fixes:
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
