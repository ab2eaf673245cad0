"""The repository primitives on Cassandra: prepared statements, LWT claims,
paging states as offsets, cascades done here.

Every row write is a lightweight transaction: an insert only creates
(``IF NOT EXISTS``), an update rewrites the row only if it is still as read
(else it reads again and retries), a delete decides which of concurrent
deleters gets the row. Unique values are claimed before a row holds them.
"""
from __future__ import annotations

from typing import Any

from kong_orm.backends.cassandra.claims import Claim
from kong_orm.backends.cassandra.codec import as_stored, decode_row, encode, encode_row
from kong_orm.backends.cassandra.keyspace import Keyspace
from kong_orm.backends.cassandra.positions import pack, unpack
from kong_orm.backends.cassandra.statements import Request, Result, Statements
from kong_orm.errors import DAOError, DatabaseError, ForeignKeyError, UniqueError
from kong_orm.events import Events
from kong_orm.registry import Catalog
from kong_orm.repository import PrepareUpdate, Repository, Row
from kong_orm.schema.entity import Entity

READ_FETCH_SIZE = 1000
MAX_UPDATE_ATTEMPTS = 64
NO_TTL = 0


class CassandraRepository(Repository):
    """Kong's DAO verbs for one entity on Cassandra."""

    def __init__(self, entity: Entity, events: Events, catalog: Catalog, keyspace: Keyspace) -> None:
        super().__init__(entity, events, catalog)
        self._keyspace = keyspace
        self._statements: Statements = keyspace.statements
        self._cql = keyspace.cql(entity)
        self._claims = keyspace.claims(entity)

    # -- reads -------------------------------------------------------------

    def _select_by_pk(self, pk: Row) -> Row | None:
        found = self._statements.execute(Request(self._cql.select_by_pk, key_of(self.entity, pk))).one()
        return None if found is None else decode_row(self.entity, found)

    def _select_all(self, filter_: Row) -> list[Row]:
        return self._read_all(self.entity, filter_)

    def _select_page(self, filter_: Row, position: bytes | None, size: int) -> tuple[list[Row], bytes | None]:
        keys = tuple(sorted(filter_))
        cql = self._cql.select_where(keys)
        params = encode_row(self.entity, filter_, keys)
        state = None if position is None else unpack(position, cql)
        found, state = read_page(self._statements, Request(cql, params, paging_state=state), size)
        rows = [decode_row(self.entity, row) for row in found]
        return rows, None if state is None else pack(state, cql)

    def _count_rows(self, filter_: Row) -> int:
        keys = tuple(sorted(filter_))
        request = Request(self._cql.count_where(keys), encode_row(self.entity, filter_, keys))
        found = self._statements.execute(request).one()
        return int(found["count"]) if found else 0

    def _read_all(self, entity: Entity, filter_: Row) -> list[Row]:
        keys = tuple(sorted(filter_))
        request = Request(self._keyspace.cql(entity).select_where(keys), encode_row(entity, filter_, keys))
        return [decode_row(entity, row) for row in read_all(self._statements, request)]

    # -- writes ------------------------------------------------------------

    def _insert_row(self, row: Row, ttl: int | None) -> Row:
        self._check_parents(row, None)
        claims = list(self._claims.of(row).values())
        self._claims.acquire(claims, row, ttl or NO_TTL)
        params = [*encode_row(self.entity, row, self._cql.columns), ttl or NO_TTL]
        try:
            applied = self._statements.execute(Request(self._cql.insert, params, lwt=True)).applied
        except DAOError:
            self._claims.release(claims, row)
            raise
        if not applied:
            self._claims.release(claims, row)
            raise UniqueError.for_values({name: row[name] for name in self.entity.primary_key})
        return as_stored(self.entity, row)

    def _update_row(self, pk: Row, prepare: PrepareUpdate, ttl: int | None) -> tuple[Row, Row] | None:
        for attempt in range(MAX_UPDATE_ATTEMPTS):
            # after a lost race, read what the winner wrote, even from a replica that lags
            read = Request(self._cql.select_for_update, key_of(self.entity, pk), linearizable=attempt > 0)
            found = self._statements.execute(read).one()
            if found is None:
                return None
            old = decode_row(self.entity, found)
            new = prepare(old)
            if self._rewrite(pk, found, old, new, ttl):
                return old, as_stored(self.entity, new)
        raise DatabaseError("cassandra", f"{self.name} {pk} kept changing under concurrent updates")

    def _rewrite(self, pk: Row, found: Row, old: Row, new: Row, ttl: int | None) -> bool:
        """Write ``new`` if the row is still ``found``; move its claims along."""
        self._check_parents(new, old)
        row_ttl = remaining_ttl(found) if ttl is None else ttl
        before, after = self._claims.of(old), self._claims.of(new)
        gained = [claim for name, claim in after.items() if before.get(name) != claim]
        self._claims.acquire(gained, pk, row_ttl, renew=True)
        try:
            applied = self._statements.execute(self._update_request(pk, found, new, row_ttl)).applied
        except DAOError:
            self._claims.release(gained, pk)
            raise
        if not applied:
            self._claims.release(gained, pk)
            return False
        if ttl is not None:
            self._claims.renew([claim for name, claim in after.items() if before.get(name) == claim], pk, ttl)
        self._claims.release(_lost(before, after), pk)
        return True

    def _update_request(self, pk: Row, found: Row, new: Row, ttl: int) -> Request:
        key = key_of(self.entity, pk)
        values = encode_row(self.entity, new, self._cql.values)
        olds = [found[name] for name in self._cql.values]
        return Request(self._cql.update, [*key, ttl, ttl, *values, *key, *olds], lwt=True)

    def _increment_rows(self, rows: list[Row]) -> None:
        # counter updates are not idempotent: sent once each, never retried
        amounts = self._cql.values
        requests = [
            Request(self._cql.increment, [*(row[name] for name in amounts), *key_of(self.entity, row)]) for row in rows
        ]
        for outcome in self._statements.execute_all(requests):
            if isinstance(outcome, DAOError):
                raise outcome

    def _delete_cascade(self, pk: Row) -> list[tuple[str, Row]]:
        found = self._select_by_pk(pk)
        return [] if found is None else self._delete_rows(self.entity, [found])

    def _delete_rows(self, entity: Entity, rows: list[Row]) -> list[tuple[str, Row]]:
        """Delete ``rows`` of ``entity`` and, transitively, the rows referencing them."""
        delete = self._keyspace.cql(entity).delete
        outcomes = self._statements.execute_all([Request(delete, key_of(entity, row), lwt=True) for row in rows])
        deleted = [row for row, outcome in zip(rows, outcomes) if _applied(outcome)]
        self._keyspace.claims(entity).release_rows(deleted)
        result = [(entity.name, row) for row in deleted]
        for row in deleted:
            result += self._delete_children(entity, row)
        return result

    def _delete_children(self, entity: Entity, row: Row) -> list[tuple[str, Row]]:
        result: list[tuple[str, Row]] = []
        for child in self.catalog.children(entity):
            value = row.get(child.field.foreign_field or "id")
            children = [] if value is None else self._read_all(child.entity, {child.field.name: value})
            if children:
                result += self._delete_rows(child.entity, children)
        return result

    def _check_parents(self, new: Row, old: Row | None) -> None:
        """Raise :class:`ForeignKeyError` for each referenced row (new or changed) that is missing."""
        fields = [
            f for f in self.entity.foreign_fields
            if new.get(f.name) is not None and (old is None or old.get(f.name) != new[f.name])
        ]
        requests = [self._parent_request(f.foreign_entity or "", f.foreign_field or "id", new[f.name]) for f in fields]
        outcomes = self._statements.execute_all(requests)
        missing = {}
        for f, outcome in zip(fields, outcomes):
            if isinstance(outcome, DAOError):
                raise outcome
            if not outcome.rows:
                missing[f.name] = new[f.name]
        if missing:
            raise ForeignKeyError.for_values(missing)

    def _parent_request(self, entity_name: str, field: str, value: Any) -> Request:
        parent = self.catalog[entity_name]
        return Request(self._keyspace.cql(parent).exists_where(field), [encode(parent[field], value)])


def key_of(entity: Entity, row: Row) -> list[Any]:
    """The bound values of ``row``'s primary key."""
    return [encode(entity[name], row[name]) for name in entity.primary_key]


def remaining_ttl(found: Row) -> int:
    """Seconds the stored row has left to live (0: no TTL), from its ``ttl(<column>)`` values."""
    ttls = [value for name, value in found.items() if name.startswith("ttl(") and value is not None]
    return max(ttls, default=NO_TTL)


def read_all(statements: Statements, request: Request) -> list[Row]:
    """Every row of ``request``, page by page (each page a statement of its own)."""
    rows: list[Row] = []
    state = None
    while True:
        result = statements.execute(_page(request, READ_FETCH_SIZE, state))
        rows += result.rows
        if result.paging_state is None:
            return rows
        state = result.paging_state


def read_page(statements: Statements, request: Request, size: int) -> tuple[list[Row], bytes | None]:
    """Up to ``size`` rows from ``request.paging_state``, and the state after them.

    The state is ``None`` when no row follows: a full page looks one row ahead.
    """
    rows: list[Row] = []
    state = request.paging_state
    while len(rows) < size:
        result = statements.execute(_page(request, size - len(rows), state))
        rows += result.rows
        state = result.paging_state
        if state is None:
            return rows, None
    while True:
        ahead = statements.execute(_page(request, 1, state))
        if ahead.rows:
            return rows, state
        if ahead.paging_state is None:
            return rows, None
        state = ahead.paging_state


def _page(request: Request, size: int, state: bytes | None) -> Request:
    return Request(request.cql, request.params, fetch_size=size, paging_state=state)


def _applied(outcome: Result | DAOError) -> bool:
    if isinstance(outcome, DAOError):
        raise outcome
    return outcome.applied


def _lost(before: dict[str, Claim], after: dict[str, Claim]) -> list[Claim]:
    return [claim for name, claim in before.items() if after.get(name) != claim]
