"""Statements of one entity: built once with SQLAlchemy Core, compiled once for the store."""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert, ReturningDelete, ReturningInsert, ReturningUpdate

from kong_orm.backends.sql.compiled import SQLText
from kong_orm.backends.sql.engine import Store
from kong_orm.backends.sql.models import EXPIRE_AT, Models
from kong_orm.backends.sql.rows import RowReader
from kong_orm.registry import Catalog
from kong_orm.repository import now_ms
from kong_orm.schema.entity import Entity

NOW = "_now"
"""Bound parameter: the current time in ms, against which TTLs are compared."""


_UPSERTS = {"postgres": postgresql.insert, "sqlite": sqlite.insert}
"""The dialects' ``INSERT ... ON CONFLICT`` constructs."""


def pk_param(name: str) -> str:
    return f"_pk_{name}"


_PK_PARAMS: dict[str, str] = {}


def pk_params(pk: Mapping[str, Any]) -> dict[str, Any]:
    names = _PK_PARAMS
    return {names.get(name) or names.setdefault(name, pk_param(name)): value for name, value in pk.items()}


def after_param(name: str) -> str:
    return f"_after_{name}"


def parent_param(name: str) -> str:
    return f"_parent_{name}"


def alive(table: Table) -> ColumnElement[bool]:
    """Rows without a TTL, or whose TTL has not passed."""
    expire_at = table.c[EXPIRE_AT]
    return or_(expire_at.is_(None), expire_at > bindparam(NOW))


class Statements:
    """Every statement the repository of ``entity`` sends, as Core and compiled for ``store``."""

    def __init__(self, entity: Entity, catalog: Catalog, models: Models, store: Store) -> None:
        self.dialect = store.backend
        self.store = store
        self.entity = entity
        self.catalog = catalog
        self.models = models
        self.table: Table = models.table(entity)
        self.columns = [self.table.c[name] for name in entity.field_names]
        self.pk_columns = [self.table.c[name] for name in entity.primary_key]
        self.by_pk = and_(*(c == bindparam(pk_param(c.name)) for c in self.pk_columns))
        self.alive = alive(self.table)
        self.live_parents = self._live_parents()
        self.reader = RowReader(entity, self.table, store.dialect)
        self.stored_keys = [*entity.field_names, EXPIRE_AT]
        # the hot read binds the key under the fields' own names: the key dict is its values
        by_own_names = and_(*(c == bindparam(c.name) for c in self.pk_columns))
        self.find: Select[Any] = select(*self.columns).where(by_own_names, self.alive)
        self.insert: ReturningInsert[Any] = self._insert(casts_selected_values=self.dialect == "postgres")
        self.update: ReturningUpdate[Any] = (
            update(self.table).where(self.by_pk, *self.live_parents).returning(*self.columns)
        )
        self.delete: ReturningDelete[Any] = delete(self.table).where(self.by_pk, self.alive).returning(*self.columns)
        self.expired = self.table.c[EXPIRE_AT] <= bindparam(NOW)
        self.delete_expired: ReturningDelete[Any] = (
            delete(self.table).where(self.by_pk, self.expired).returning(*self.columns)
        )
        self.find_sql = store.compile(self.find)
        self.insert_sql = store.compile(self.insert, column_keys=self.stored_keys)
        self.delete_sql = store.compile(self.delete)
        self._by_filter: dict[tuple[Any, ...], Select[Any]] = {}
        self._compiled: dict[tuple[Any, ...], SQLText] = {}

    def _live_parents(self) -> list[ColumnElement[bool]]:
        """Conditions that every row a foreign key names exists and has not expired."""
        conditions = []
        for f in self.entity.foreign_fields:
            parent = self.models.table(f.foreign_entity or "")
            value = bindparam(parent_param(f.name), type_=self.table.c[f.name].type)
            found = exists().where(parent.c[f.foreign_field or "id"] == value, alive(parent))
            conditions.append(or_(value.is_(None), found) if f.nullable else found)
        return conditions

    def _insert(self, *, casts_selected_values: bool) -> ReturningInsert[Any]:
        if not self.live_parents:
            return insert(self.table).returning(*self.columns)
        # INSERT ... SELECT ... WHERE <parents alive>: one statement that also
        # refuses a parent whose TTL has passed (the foreign key alone would not).
        names = [*self.entity.field_names, EXPIRE_AT]
        values: list[ColumnElement[Any]] = [bindparam(name, type_=self.table.c[name].type) for name in names]
        if casts_selected_values:  # PostgreSQL types a bare parameter in a select list as text
            values = [cast(value, self.table.c[name].type) for value, name in zip(values, names)]
        selected = select(*values).where(*self.live_parents)
        return insert(self.table).from_select(names, selected).returning(*self.columns)

    @functools.cached_property
    def increment(self) -> Insert:
        """Add the bound counter values to a row's, creating it at those values (one statement)."""
        keys = [c.name for c in self.pk_columns]
        counters = [f.name for f in self.entity.counter_fields]
        upsert: Any = _UPSERTS[self.dialect](self.table).values({name: bindparam(name) for name in [*keys, *counters]})
        added = {name: self.table.c[name] + upsert.excluded[name] for name in counters}
        statement: Insert = upsert.on_conflict_do_update(index_elements=keys, set_=added)
        return statement

    def parent_params(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters of :attr:`live_parents` for the foreign keys of ``row``."""
        if not self.live_parents:
            return {}
        return {NOW: now_ms(), **{parent_param(f.name): row[f.name] for f in self.entity.foreign_fields}}

    def _where(self, keys: tuple[str, ...]) -> list[ColumnElement[bool]]:
        return [self.alive, *(self.table.c[key] == bindparam(key) for key in keys)]

    def select_all(self, keys: tuple[str, ...]) -> Select[Any]:
        def build() -> Select[Any]:
            return select(*self.columns).where(*self._where(keys)).order_by(*self.pk_columns)

        return self._cached(("all", keys), build)

    def select_page(self, keys: tuple[str, ...], resuming: bool) -> Select[Any]:
        def build() -> Select[Any]:
            statement = self.select_all(keys).limit(bindparam("_limit"))
            if resuming:
                after = tuple_(*(bindparam(after_param(c.name), type_=c.type) for c in self.pk_columns))
                statement = statement.where(tuple_(*self.pk_columns) > after)
            return statement

        return self._cached(("page", keys, resuming), build)

    def count(self, keys: tuple[str, ...]) -> Select[Any]:
        def build() -> Select[Any]:
            if not keys:
                return self._count_all()
            return select(func.count()).select_from(self.table).where(*self._where(keys))

        return self._cached(("count", keys), build)

    def _count_all(self) -> Select[Any]:
        """Live rows as every row minus the expired ones, in one statement (one snapshot).

        Unfiltered, the first count is the store's fast one (SQLite reads its smallest
        index), and the second reads only the expired rows, through the partial
        ``expire_at`` index; filtering out expired rows row by row would read them all.
        """
        every = select(func.count()).select_from(self.table).scalar_subquery()
        expired = select(func.count()).select_from(self.table).where(self.expired).scalar_subquery()
        return select((every - expired).label("count"))

    def compiled(self, key: tuple[Any, ...], build: Callable[[], Any], column_keys: list[str] | None = None) -> SQLText:
        """A statement compiled once per ``key``."""
        text = self._compiled.get(key)
        if text is None:
            text = self._compiled.setdefault(key, self.store.compile(build(), column_keys=column_keys))
        return text

    def select_all_sql(self, keys: tuple[str, ...]) -> SQLText:
        return self.compiled(("all", keys), lambda: self.select_all(keys))

    def select_page_sql(self, keys: tuple[str, ...], resuming: bool) -> SQLText:
        return self.compiled(("page", keys, resuming), lambda: self.select_page(keys, resuming))

    def count_sql(self, keys: tuple[str, ...]) -> SQLText:
        return self.compiled(("count", keys), lambda: self.count(keys))

    @functools.cached_property
    def lock_sql(self) -> SQLText:
        """The row by primary key, locked for an update, then whether each parent it names is alive.

        ``FOR NO KEY UPDATE``: the lock the update takes anyway (its key never changes), which
        does not hold up rows being inserted that reference this one.
        """
        flags = [
            exists().where(parent.c[f.foreign_field or "id"] == self.table.c[f.name], alive(parent))
            for f, parent in self._parents()
        ]
        locked = select(*self.columns, *flags).where(self.by_pk, self.alive).with_for_update(key_share=True)
        return self.store.compile(locked)

    def update_sql(self, keys: tuple[str, ...]) -> SQLText:
        """``UPDATE`` of ``keys`` by primary key, for a row locked by :attr:`lock_sql`."""
        return self.compiled(("update", keys), lambda: update(self.table).where(self.by_pk), list(keys))

    def checked_update_sql(self, keys: tuple[str, ...]) -> SQLText:
        """``UPDATE`` of ``keys`` that also checks the parents are alive; returns the primary key."""
        build = lambda: update(self.table).where(self.by_pk, *self.live_parents).returning(*self.pk_columns)  # noqa: E731
        return self.compiled(("checked_update", keys), build, list(keys))

    @functools.cached_property
    def plain_insert_sql(self) -> SQLText:
        """``INSERT`` of every column, without the parents check (bulk inserts check parents first)."""
        return self.store.compile(insert(self.table), column_keys=self.stored_keys)

    @functools.cached_property
    def increment_sql(self) -> SQLText:
        return self.store.compile(self.increment)

    def _parents(self) -> list[tuple[Any, Table]]:
        return [(f, self.models.table(f.foreign_entity or "")) for f in self.entity.foreign_fields]

    @functools.cached_property
    def descendant_sql(self) -> list[tuple[RowReader, SQLText]]:
        """SQLite: for each entity deleted along with a row, its reader and the select of the rows
        that go. (One tagged select of them all would cost SQLite's planner its indexes.)"""
        return [(reader, self.store.compile(statement)) for (_, reader), (_, statement) in zip(
            self.cascade_layout[1:], self.descendants
        )]

    @functools.cached_property
    def expired_rows_sql(self) -> SQLText:
        """Up to ``_limit`` rows whose TTL has passed, the longest expired first.

        In ``expire_at`` order the partial index both finds and orders them; in primary-key
        order SQLite would walk the whole table by its key, filtering, to fill the limit.
        """
        expire_at = self.table.c[EXPIRE_AT]
        expired = select(*self.columns).where(self.expired).order_by(expire_at).limit(bindparam("_limit"))
        return self.store.compile(expired)

    @functools.cached_property
    def delete_expired_sql(self) -> SQLText:
        """:attr:`delete_sql` of a row only if its TTL has passed."""
        return self.store.compile(self.delete_expired)

    @functools.cached_property
    def cascade_sql(self) -> SQLText:
        """PostgreSQL: one statement deleting the row and returning it with every descendant
        the cascade removes, each row tagged with its entity's place in :attr:`cascade_layout`.

        Its sub-statements share one snapshot, so the descendants are read as they were
        before the delete.
        """
        return self._cascade(self.delete)

    @functools.cached_property
    def expired_cascade_sql(self) -> SQLText:
        """:attr:`cascade_sql` of a row only if its TTL has passed."""
        return self._cascade(self.delete_expired)

    def _cascade(self, delete_row: ReturningDelete[Any]) -> SQLText:
        gone = delete_row.cte("gone")
        found = self._descendants_of(self.entity, gone, select(*gone.c))
        sources = [select(*(gone.c[name] for name in self.entity.field_names)), *(statement for _, statement in found)]
        return self.store.compile(union_all(*(self._tagged(place, source) for place, source in enumerate(sources))))

    @functools.cached_property
    def cascade_layout(self) -> list[tuple[Entity, RowReader]]:
        """The entities of :attr:`cascade_sql` in tag order, the row's own first."""
        entities = [self.entity, *(entity for entity, _ in self.descendants)]
        return [(entity, RowReader(entity, self.models.table(entity), self.store.dialect)) for entity in entities]

    @functools.cached_property
    def cascade_offsets(self) -> list[int]:
        """Where each entity's columns start in a tagged row (after the tag)."""
        offsets, start = [], 1
        for entity, _ in self.cascade_layout:
            offsets.append(start)
            start += len(entity.fields)
        return offsets

    def _tagged(self, place: int, source: Select[Any]) -> Select[Any]:
        columns: list[Any] = [literal_column(str(place)).label("_entity")]
        for other, (entity, _) in enumerate(self.cascade_layout):
            table = self.models.table(entity)
            if other == place:
                columns.extend(source.selected_columns)
            else:
                columns.extend(cast(null(), table.c[name].type) for name in entity.field_names)
        return source.with_only_columns(*columns)

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
        """Filtered statements, built once per set of filter fields (a handful per entity)."""
        statement = self._by_filter.get(key)
        if statement is None:
            statement = self._by_filter.setdefault(key, build())
        return statement

    @functools.cached_property
    def descendants(self) -> list[tuple[Entity, Select[Any]]]:
        """For each entity deleted along with a row, a select of the rows that go."""
        parent = select(*self.pk_columns).where(self.by_pk)
        return self._descendants_of(self.entity, self.table, parent)

    def _descendants_of(self, entity: Entity, table: Any, rows: Select[Any]) -> list[tuple[Entity, Select[Any]]]:
        found = []
        for child in self.catalog.children(entity):
            child_table = self.models.table(child.entity)
            referenced = rows.with_only_columns(table.c[child.field.foreign_field or "id"])
            child_rows = select(*child_table.c).where(child_table.c[child.field.name].in_(referenced))
            columns = [child_table.c[name] for name in child.entity.field_names]
            found.append((child.entity, child_rows.with_only_columns(*columns)))
            found.extend(self._descendants_of(child.entity, child_table, child_rows))
        return found
