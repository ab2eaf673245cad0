"""The repository primitives on SQLAlchemy Core (PostgreSQL and SQLite alike).

Constraints live in the database (race-safe); when one fails, the row's
values are looked up again to name every field to blame.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from kong_orm.backends.sql.engine import Store
from kong_orm.backends.sql.models import EXPIRE_AT, Models
from kong_orm.backends.sql.rows import to_dict
from kong_orm.backends.sql.statements import NOW, Statements, after_param, alive, pk_params
from kong_orm.errors import DAOError, DatabaseError, ForeignKeyError, UniqueError
from kong_orm.events import Events
from kong_orm.paging import invalid_offset
from kong_orm.registry import Catalog
from kong_orm.repository import PrepareUpdate, Repository, Row, now_ms
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import CoercionError, coerce

log = logging.getLogger(__name__)
T = TypeVar("T")


def _expires_at(ttl: int | None) -> int | None:
    return None if ttl is None else now_ms() + ttl * 1000


class SQLRepository(Repository):
    """Kong's DAO verbs for one entity on PostgreSQL or SQLite."""

    def __init__(self, entity: Entity, events: Events, catalog: Catalog, store: Store, models: Models) -> None:
        super().__init__(entity, events, catalog)
        self._store = store
        self._sql = Statements(entity, catalog, models, dialect=store.backend)

    def _row(self, result: Any) -> Row:
        return to_dict(self.entity, result)

    def _insert_row(self, row: Row, ttl: int | None) -> Row:
        params = {**row, EXPIRE_AT: _expires_at(ttl), **self._sql.parent_params(row)}

        def work(conn: Connection) -> Row:
            stored = conn.execute(self._sql.insert, params).first()
            if stored is None:
                raise self._dead_parents(conn, row)
            return self._row(stored)

        return self._write_checked(row, None, work)

    def _select_by_pk(self, pk: Row) -> Row | None:
        params = {**pk_params(pk), NOW: now_ms()}
        found = self._store.read(lambda conn: conn.execute(self._sql.find, params).first())
        return None if found is None else self._row(found)

    def _select_all(self, filter_: Row) -> list[Row]:
        statement = self._sql.select_all(tuple(filter_))
        params = {**filter_, NOW: now_ms()}
        return [self._row(r) for r in self._store.read(lambda conn: conn.execute(statement, params).all())]

    def _select_page(self, filter_: Row, position: bytes | None, size: int) -> tuple[list[Row], bytes | None]:
        statement = self._sql.select_page(tuple(filter_), position is not None)
        params = {**filter_, NOW: now_ms(), "_limit": size + 1}
        if position is not None:
            params.update(self._decode_position(position))
        found = self._store.read(lambda conn: conn.execute(statement, params).all())
        rows = [self._row(r) for r in found[:size]]
        return rows, self._encode_position(rows[-1]) if len(found) > size else None

    def _count_rows(self, filter_: Row) -> int:
        statement = self._sql.count(tuple(filter_))
        params = {**filter_, NOW: now_ms()}
        return int(self._store.read(lambda conn: conn.execute(statement, params).scalar_one()))

    def _update_row(self, pk: Row, prepare: PrepareUpdate, ttl: int | None) -> tuple[Row, Row] | None:
        attempted: Row = {}

        def work(conn: Connection) -> tuple[Row, Row] | None:
            found = conn.execute(self._sql.find_for_update, {**pk_params(pk), NOW: now_ms()}).first()
            if found is None:
                return None
            old = self._row(found)
            new = prepare(old)
            attempted.update(new)
            changes = {k: v for k, v in new.items() if k not in pk}
            if ttl is not None:
                changes[EXPIRE_AT] = _expires_at(ttl)
            stored = conn.execute(self._sql.update, {**changes, **pk_params(pk), **self._sql.parent_params(new)})
            row = stored.first()
            if row is None:
                raise self._dead_parents(conn, new)
            return old, self._row(row)

        return self._write_checked(attempted, pk, work)

    def _delete_cascade(self, pk: Row) -> list[tuple[str, Row]]:
        def work(conn: Connection) -> list[tuple[str, Row]]:
            params = {**pk_params(pk), NOW: now_ms()}
            children = [
                (entity.name, to_dict(entity, r))
                for entity, statement in self._sql.descendants
                for r in conn.execute(statement, params).all()
            ]
            deleted = conn.execute(self._sql.delete, params).first()
            return [] if deleted is None else [(self.name, self._row(deleted)), *children]

        return self._store.write(work)

    def _increment_rows(self, rows: list[Row]) -> None:
        self._store.write(lambda conn: conn.execute(self._sql.increment, rows))

    def purge_expired(self) -> int:
        """Delete rows whose TTL has passed; return how many went."""
        return int(self._store.write(lambda conn: conn.execute(self._sql.purge_expired, {NOW: now_ms()}).rowcount))

    # -- constraint failures ---------------------------------------------

    def _write_checked(self, row: Row, own_pk: Row | None, work: Callable[[Connection], T]) -> T:
        """Run a write; on a constraint failure raise the error naming every culprit.

        A conflict with a row whose TTL has passed purges expired rows and retries once.
        """
        for attempt in (1, 2):
            try:
                return self._store.write(work)
            except IntegrityError as exc:
                error = self._explain(row, own_pk)
                if error is None and attempt == 1 and self.purge_expired():
                    continue
                raise error or DatabaseError(self._store.backend, str(exc.orig)) from exc
        raise AssertionError("unreachable")

    def _explain(self, row: Row, own_pk: Row | None) -> DAOError | None:
        def work(conn: Connection) -> DAOError | None:
            taken = self._taken_key(conn, row) if own_pk is None else {}
            taken.update(self._taken_values(conn, row, own_pk))
            if taken:
                return UniqueError.for_values(taken)
            group = self._taken_group(conn, row, own_pk)
            if group is not None:
                return UniqueError(group)
            missing = self._missing_parents(conn, row)
            return ForeignKeyError.for_values(missing) if missing else None

        return self._store.read(work)

    def _others(self, own_pk: Row | None) -> list[Any]:
        table = self._sql.table
        if own_pk is None:
            return [self._sql.alive]
        return [self._sql.alive, or_(*(table.c[k] != v for k, v in own_pk.items()))]

    def _taken_key(self, conn: Connection, row: Row) -> dict[str, Any]:
        """The primary key of a new row, when a live row already has it."""
        pk = {name: row[name] for name in self.entity.primary_key}
        found = conn.execute(self._sql.find, {**pk_params(pk), NOW: now_ms()}).first()
        return pk if found is not None else {}

    def _taken_values(self, conn: Connection, row: Row, own_pk: Row | None) -> dict[str, Any]:
        table = self._sql.table
        wanted = {f.name: row[f.name] for f in self.entity.unique_fields if row.get(f.name) is not None}
        if not wanted:
            return {}
        clashes = or_(*(table.c[name] == value for name, value in wanted.items()))
        statement = select(*(table.c[name] for name in wanted)).where(clashes, *self._others(own_pk))
        taken: dict[str, Any] = {}
        for found in conn.execute(statement, {NOW: now_ms()}).mappings():
            taken.update({name: value for name, value in wanted.items() if found[name] == value})
        return taken

    def _taken_group(self, conn: Connection, row: Row, own_pk: Row | None) -> str | None:
        table = self._sql.table
        for group in self.entity.unique_together:
            same = and_(*(
                table.c[name].is_(None) if row.get(name) is None else table.c[name] == row[name]
                for name in group.fields
            ))
            statement = select(func.count()).where(same, *self._others(own_pk))
            if conn.execute(statement, {NOW: now_ms()}).scalar_one():
                return group.message
        return None

    def _missing_parents(self, conn: Connection, row: Row) -> dict[str, Any]:
        missing = {}
        for f in self.entity.foreign_fields:
            if row.get(f.name) is None:
                continue
            parent = self._sql.models.table(f.foreign_entity or "")
            found = select(func.count()).where(parent.c[f.foreign_field or "id"] == row[f.name], alive(parent))
            if not conn.execute(found, {NOW: now_ms()}).scalar_one():
                missing[f.name] = row[f.name]
        return missing

    def _dead_parents(self, conn: Connection, row: Row) -> ForeignKeyError:
        """The error of a write refused because a referenced row is missing or expired."""
        referenced = {f.name: row[f.name] for f in self.entity.foreign_fields if row.get(f.name) is not None}
        return ForeignKeyError.for_values(self._missing_parents(conn, row) or referenced)

    # -- page positions: the last primary key seen ---------------------------
    # Positions reach _decode_position only inside an offset authenticated by
    # kong_orm.paging; the checks here keep a bug from becoming a crash.

    def _encode_position(self, row: Row) -> bytes:
        return json.dumps([str(row[name]) for name in self.entity.primary_key], ensure_ascii=False).encode()

    def _decode_position(self, position: bytes) -> dict[str, Any]:
        try:
            values = json.loads(position)
        except (ValueError, RecursionError):
            raise invalid_offset() from None
        names = self.entity.primary_key
        if not isinstance(values, list) or len(values) != len(names) or not all(isinstance(v, str) for v in values):
            raise invalid_offset()
        try:
            return {after_param(name): coerce(self.entity[name], value) for name, value in zip(names, values)}
        except CoercionError:
            raise invalid_offset() from None
