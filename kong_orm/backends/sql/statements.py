"""Core statements of one entity, built once and reused with bound parameters."""
from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.sql.dml import ReturningDelete, ReturningInsert, ReturningUpdate

from kong_orm.backends.sql.models import EXPIRE_AT, table_for
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity

NOW = "_now"
"""Bound parameter: the current time in ms, against which TTLs are compared."""


def pk_param(name: str) -> str:
    return f"_pk_{name}"


def pk_params(pk: Mapping[str, Any]) -> dict[str, Any]:
    return {pk_param(name): value for name, value in pk.items()}


def after_param(name: str) -> str:
    return f"_after_{name}"


class Statements:
    """Every statement the repository of ``entity`` sends."""

    def __init__(self, entity: Entity, catalog: Catalog) -> None:
        self.entity = entity
        self.catalog = catalog
        self.table: Table = table_for(entity)
        self.columns = [self.table.c[name] for name in entity.field_names]
        self.pk_columns = [self.table.c[name] for name in entity.primary_key]
        self.by_pk = and_(*(c == bindparam(pk_param(c.name)) for c in self.pk_columns))
        expire_at = self.table.c[EXPIRE_AT]
        self.alive = or_(expire_at.is_(None), expire_at > bindparam(NOW))
        self.find: Select[Any] = select(*self.columns).where(self.by_pk, self.alive)
        self.find_for_update: Select[Any] = self.find.with_for_update()
        self.insert: ReturningInsert[Any] = insert(self.table).returning(*self.columns)
        self.update: ReturningUpdate[Any] = update(self.table).where(self.by_pk).returning(*self.columns)
        self.delete: ReturningDelete[Any] = delete(self.table).where(self.by_pk).returning(*self.columns)
        self.purge_expired: Delete = delete(self.table).where(expire_at <= bindparam(NOW))

    def _where(self, keys: tuple[str, ...]) -> list[ColumnElement[bool]]:
        return [self.alive, *(self.table.c[key] == bindparam(key) for key in keys)]

    @functools.lru_cache(maxsize=64)
    def select_all(self, keys: tuple[str, ...]) -> Select[Any]:
        return select(*self.columns).where(*self._where(keys)).order_by(*self.pk_columns)

    @functools.lru_cache(maxsize=64)
    def select_page(self, keys: tuple[str, ...], resuming: bool) -> Select[Any]:
        statement = self.select_all(keys).limit(bindparam("_limit"))
        if resuming:
            after = tuple_(*(bindparam(after_param(c.name), type_=c.type) for c in self.pk_columns))
            statement = statement.where(tuple_(*self.pk_columns) > after)
        return statement

    @functools.lru_cache(maxsize=64)
    def count(self, keys: tuple[str, ...]) -> Select[Any]:
        return select(func.count()).select_from(self.table).where(*self._where(keys))

    @functools.cached_property
    def descendants(self) -> list[tuple[Entity, Select[Any]]]:
        """For each entity deleted along with a row, a select of the rows that go."""
        parent = select(*self.pk_columns).where(self.by_pk)
        return self._descendants_of(self.entity, self.table, parent)

    def _descendants_of(self, entity: Entity, table: Table, rows: Select[Any]) -> list[tuple[Entity, Select[Any]]]:
        found = []
        for child in self.catalog.children(entity):
            child_table = table_for(child.entity)
            referenced = rows.with_only_columns(table.c[child.field.foreign_field or "id"])
            child_rows = select(*child_table.c).where(child_table.c[child.field.name].in_(referenced))
            columns = [child_table.c[name] for name in child.entity.field_names]
            found.append((child.entity, child_rows.with_only_columns(*columns)))
            found.extend(self._descendants_of(child.entity, child_table, child_rows))
        return found
