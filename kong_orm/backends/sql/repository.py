"""The repository primitives on PostgreSQL and SQLite.

Statements are built with SQLAlchemy Core and compiled once per entity; each
call binds values and runs the text on a DBAPI connection of the store.
Round trips on the happy path (PostgreSQL; SQLite has none to speak of):

- ``find``, ``find_all``, ``find_page``, ``count``, ``insert``: one statement
  (``insert`` commits on its own: ``INSERT ... RETURNING``);
- ``update``: two messages, ``BEGIN; SELECT ... FOR UPDATE`` (the old row and
  whether its parents are alive) and ``UPDATE ...; COMMIT``;
- ``delete``: one statement, which on PostgreSQL also returns the rows its
  cascade removes (a data-modifying ``WITH``).

Constraints live in the database (race-safe); when one fails, the row's
values are looked up again to name every field to blame.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from kong_orm.backends.sql.compiled import SQLText
from kong_orm.backends.sql.engine import Store, server_message
from kong_orm.backends.sql.models import EXPIRE_AT, Models
from kong_orm.backends.sql.statements import NOW, Statements, after_param, alive, pk_params
from kong_orm.backends.sql.transaction import Transaction
from kong_orm.errors import DAOError, DatabaseError, ForeignKeyError, UniqueError
from kong_orm.events import Events
from kong_orm.paging import invalid_offset
from kong_orm.registry import Catalog
from kong_orm.repository import PrepareUpdate, Repository, Row, now_ms, repeated_in_batch, row_error
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import CoercionError, coerce

log = logging.getLogger(__name__)
T = TypeVar("T")
PURGE_BATCH = 500
"""Expired rows looked up at a time by a purge."""


class _DeadParents(Exception):
    """Raised inside a transaction when a parent turned out missing or expired (explained after it ends)."""

    def __init__(self, row: Row) -> None:
        super().__init__("dead parents")
        self.row = row


def _expires_at(ttl: int | None) -> int | None:
    return None if ttl is None else now_ms() + ttl * 1000


class SQLRepository(Repository):
    """Kong's DAO verbs for one entity on PostgreSQL or SQLite."""

    def __init__(self, entity: Entity, events: Events, catalog: Catalog, store: Store, models: Models) -> None:
        super().__init__(entity, events, catalog)
        self._store = store
        self._sql = Statements(entity, catalog, models, store)
        self._read = self._sql.reader
        self._foreign = self.entity.foreign_fields

    def _insert_row(self, row: Row, ttl: int | None, *, fresh_key: bool = False) -> Row:
        values = {**row, EXPIRE_AT: _expires_at(ttl), **self._sql.parent_params(row)}

        def write() -> Row:
            stored = self._store.execute(self._sql.insert_sql, values)
            if not stored:
                raise _DeadParents(row)
            return self._read(stored[0])

        return self._write_checked(row, None, write)

    def _insert_rows(self, rows: list[Row], ttl: int | None, *, fresh_keys: Sequence[bool]) -> list[Row]:
        expire_at = _expires_at(ttl)
        batch = [{**row, EXPIRE_AT: expire_at} for row in rows]
        dead = self._dead_parents_of(rows)
        if dead:
            raise ForeignKeyError(dead)

        def write() -> None:
            self._store.transaction(lambda tx: tx.commit_rows(self._sql.plain_insert_sql, batch))

        self._write_checked_many(rows, write)
        return [self._read.as_stored(row) for row in rows]

    def _select_by_pk(self, pk: Row) -> Row | None:
        found = self._store.query(self._sql.find_sql, {**pk, NOW: now_ms()})
        return self._read(found[0]) if found else None

    def _select_all(self, filter_: Row) -> list[Row]:
        found = self._store.query(self._sql.select_all_sql(tuple(filter_)), {**filter_, NOW: now_ms()})
        return [self._read(r) for r in found]

    def _select_page(self, filter_: Row, position: bytes | None, size: int) -> tuple[list[Row], bytes | None]:
        statement = self._sql.select_page_sql(tuple(filter_), position is not None)
        values = {**filter_, NOW: now_ms(), "_limit": size + 1}
        if position is not None:
            values.update(self._decode_position(position))
        found = self._store.query(statement, values)
        rows = [self._read(r) for r in found[:size]]
        return rows, self._encode_position(rows[-1]) if len(found) > size else None

    def _count_rows(self, filter_: Row) -> int:
        found = self._store.query(self._sql.count_sql(tuple(filter_)), {**filter_, NOW: now_ms()})
        return int(found[0][0])

    def _update_row(self, pk: Row, prepare: PrepareUpdate, ttl: int | None) -> tuple[Row, Row] | None:
        attempted: Row = {}
        fields = len(self.entity.fields)

        by_pk = pk_params(pk)

        def work(tx: Transaction) -> tuple[Row, Row] | None:
            found = tx.query(self._sql.lock_sql, {**by_pk, NOW: now_ms()})
            if not found:
                return None
            old = self._read(found[0])
            new = prepare(old)
            attempted.update(new)
            changes = {k: v for k, v in new.items() if k not in pk}
            if ttl is not None:
                changes[EXPIRE_AT] = _expires_at(ttl)
            values = {**changes, **by_pk}
            if self._foreign and self._moved_parents(old, new):
                self._update_moved(tx, tuple(changes), {**values, **self._sql.parent_params(new)}, new)
            else:
                dead = self._expired_parents(new, found[0][fields:]) if self._foreign else None
                if dead:
                    raise ForeignKeyError.for_values(dead)
                tx.commit(self._sql.update_sql(tuple(changes)), [values])
            return old, self._read.as_stored(new)

        return self._write_checked(attempted, pk, lambda: self._store.transaction(work))

    def _moved_parents(self, old: Row, new: Row) -> bool:
        return any(new[f.name] is not None and new[f.name] != old[f.name] for f in self._foreign)

    def _expired_parents(self, new: Row, flags: Sequence[Any]) -> dict[str, Any]:
        """Parents named by an update that keeps them, which were not alive when the row was locked."""
        return {
            f.name: new[f.name]
            for f, alive_ in zip(self._foreign, flags)
            if new[f.name] is not None and not alive_
        }

    def _update_moved(self, tx: Transaction, keys: tuple[str, ...], values: dict[str, Any], new: Row) -> None:
        """An update that points the row at other parents: the write itself checks they are alive."""
        if not tx.query(self._sql.checked_update_sql(keys), values):
            raise _DeadParents(new)
        tx.commit()

    def _delete_cascade(self, pk: Row, *, expired: bool = False) -> list[tuple[str, Row]]:
        """Delete the live row (or, ``expired``, the row whose TTL has passed) with its descendants."""
        values = {**pk_params(pk), NOW: now_ms()}
        delete_row = self._sql.delete_expired_sql if expired else self._sql.delete_sql
        if not self._sql.descendants:
            deleted = self._store.execute(delete_row, values)
            return [(self.name, self._read(deleted[0]))] if deleted else []
        if self._store.backend == "postgres":
            cascade = self._sql.expired_cascade_sql if expired else self._sql.cascade_sql
            return self._delete_in_one_statement(cascade, values)
        return self._store.transaction(lambda tx: self._delete_in_steps(tx, delete_row, values))

    def _delete_in_one_statement(self, cascade: SQLText, values: dict[str, Any]) -> list[tuple[str, Row]]:
        found = self._untag(self._store.execute(cascade, values))
        return [pair for rows in found for pair in rows] if found[0] else []

    def _delete_in_steps(self, tx: Transaction, delete_row: SQLText, values: dict[str, Any]) -> list[tuple[str, Row]]:
        children = [
            (read.entity.name, read(r))
            for read, statement in self._sql.descendant_sql
            for r in tx.query(statement, values)
        ]
        deleted = tx.query(delete_row, values)
        tx.commit()
        return [(self.name, self._read(deleted[0])), *children] if deleted else []

    def _untag(self, tagged_rows: list[Any]) -> list[list[tuple[str, Row]]]:
        """Rows of :attr:`Statements.cascade_sql` grouped by entity, in its layout's order."""
        layout = self._sql.cascade_layout
        found: list[list[tuple[str, Row]]] = [[] for _ in layout]
        for tagged in tagged_rows:
            place = tagged[0]
            entity, read = layout[place]
            start = self._sql.cascade_offsets[place]
            found[place].append((entity.name, read(tagged[start:start + len(entity.fields)])))
        return found

    def _increment_rows(self, rows: list[Row]) -> None:
        self._store.transaction(lambda tx: tx.commit(self._sql.increment_sql, rows))

    def delete_expired(self) -> Iterator[list[tuple[str, Row]]]:
        """Delete the rows whose TTL has passed, each with its descendants, yielding
        each such group once its deletion is committed.

        Each row goes as :meth:`delete` would take it, but only while it is still
        expired: one deleted or renewed meanwhile is left (and not yielded).
        """
        names = self.entity.primary_key
        while True:
            params = {NOW: now_ms(), "_limit": PURGE_BATCH}
            expired = self._store.query(self._sql.expired_rows_sql, params)
            for found in expired:
                row = self._read(found)
                deleted = self._delete_cascade({name: row[name] for name in names}, expired=True)
                if deleted:
                    yield deleted
            if len(expired) < PURGE_BATCH:
                return

    def _purge_now(self) -> int:
        """:meth:`delete_expired`, publishing the events of each deletion as it is done; how many rows went."""
        return self.events.publish_deletions(self.delete_expired())

    # -- constraint failures ---------------------------------------------

    def _write_checked(self, row: Row, own_pk: Row | None, write: Callable[[], T]) -> T:
        """Run a write; on a constraint failure raise the error naming every culprit.

        A conflict with a row whose TTL has passed purges expired rows and retries once
        (the failed statement wrote nothing, so the retry cannot write twice).
        """
        for attempt in (1, 2):
            try:
                return write()
            except _DeadParents as dead:
                raise self._dead_parents(dead.row) from None
            except (self._store.integrity_error, IntegrityError) as exc:
                error = self._explain(row, own_pk)
                if error is None and attempt == 1 and self._purge_now():
                    continue
                raise error or DatabaseError(self._store.backend, server_message(exc)) from exc
        raise AssertionError("unreachable")

    def _write_checked_many(self, rows: list[Row], write: Callable[[], None]) -> None:
        """:meth:`_write_checked` for a batch: the error names each culprit as ``rows[i].field``."""
        for attempt in (1, 2):
            try:
                return write()
            except (self._store.integrity_error, IntegrityError) as exc:
                error = self._explain_many(rows)
                if error is None and attempt == 1 and self._purge_now():
                    continue
                raise error or DatabaseError(self._store.backend, server_message(exc)) from exc

    def _explain_many(self, rows: list[Row]) -> DAOError | None:
        repeated = repeated_in_batch(self.entity, rows)
        if repeated:
            return UniqueError(repeated)
        errors = [(index, self._explain(row, None)) for index, row in enumerate(rows)]
        found = [row_error(index, error) for index, error in errors if error is not None]
        if not found:
            return None
        kind = UniqueError if any(isinstance(error, UniqueError) for error in found) else type(found[0])
        return kind({key: text for error in found if isinstance(error, kind) for key, text in error.errors.items()})

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
        found = conn.execute(self._sql.find, {**pk, NOW: now_ms()}).first()
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

    def _dead_parents(self, row: Row) -> ForeignKeyError:
        """The error of a write refused because a referenced row is missing or expired."""
        referenced = {f.name: row[f.name] for f in self.entity.foreign_fields if row.get(f.name) is not None}
        missing = self._store.read(lambda conn: self._missing_parents(conn, row))
        return ForeignKeyError.for_values(missing or referenced)

    def _dead_parents_of(self, rows: list[Row]) -> dict[str, Any]:
        """``rows[i].field -> message`` for each parent of a batch that is missing or expired."""
        if not self.entity.foreign_fields:
            return {}

        def work(conn: Connection) -> dict[str, Any]:
            dead: dict[str, Any] = {}
            for f in self.entity.foreign_fields:
                parent = self._sql.models.table(f.foreign_entity or "")
                key = parent.c[f.foreign_field or "id"]
                wanted = sorted({row[f.name] for row in rows if row[f.name] is not None}, key=str)
                living: set[Any] = set()
                for start in range(0, len(wanted), 1000):
                    chunk = wanted[start:start + 1000]
                    query = select(key).where(key.in_(chunk), alive(parent))
                    living.update(conn.execute(query, {NOW: now_ms()}).scalars())
                dead.update({
                    f"rows[{index}].{f.name}": row[f.name]
                    for index, row in enumerate(rows)
                    if row[f.name] is not None and row[f.name] not in living
                })
            return dead

        found = self._store.read(work)
        return ForeignKeyError.for_values(found).errors if found else {}

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
