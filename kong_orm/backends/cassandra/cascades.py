"""Finishing cascades that a failure cut short.

Cassandra has no transaction to take a row and the rows referencing it away
together: a delete removes the row, then its children, and a failure in
between would leave the children for good (their parent gone, nothing would
ever delete them). So before a row whose entity has children is deleted, an
entry naming it is written in the ``cascades`` table, and it is removed once
the children are gone. A purge reads the entries left: the children of a row
that is gone are deleted then (and reported); an entry whose row is still
there belongs to a delete that failed before the row went, or is under way,
and is dropped once it is :data:`SETTLE_AFTER_SECONDS` old.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from kong_orm.backends.cassandra.expiries import restore, row_key, snapshot
from kong_orm.backends.cassandra.reads import READ_FETCH_SIZE, read_all
from kong_orm.backends.cassandra.statements import Request, Statements
from kong_orm.errors import DAOError
from kong_orm.registry import Catalog
from kong_orm.repository import Row, now_ms
from kong_orm.schema.entity import Entity

log = logging.getLogger(__name__)

SETTLE_AFTER_SECONDS = 600
"""Age after which an entry whose row is still there is dropped: no delete takes that long."""


@dataclass(frozen=True)
class Pending:
    """An entry left: ``row`` of ``entity`` was being deleted ``age`` seconds ago."""

    entity: str
    row_key: str
    row: Row
    age: float

    @property
    def stale(self) -> bool:
        """Whether no delete can still be under way for it."""
        return self.age > SETTLE_AFTER_SECONDS


class Cascades:
    """The ``cascades`` table of one keyspace (``table``: its qualified name)."""

    def __init__(self, table: str, catalog: Catalog, statements: Statements) -> None:
        self._catalog = catalog
        self._statements = statements
        self._note = f"INSERT INTO {table} (entity, row_key, snapshot) VALUES (?, ?, ?)"
        self._forget = f"DELETE FROM {table} WHERE entity = ? AND row_key = ?"
        self._pending = f"SELECT entity, row_key, snapshot, writetime(snapshot) AS written FROM {table}"

    def note(self, entity: Entity, rows: Sequence[Row]) -> None:
        """Record that ``rows`` are about to be deleted with their children (raises on failure:
        then no row may go)."""
        self._statements.execute_every([self.note_request(entity, row) for row in rows])

    def note_request(self, entity: Entity, row: Row) -> Request:
        """The statement of :meth:`note` for one row (``row`` needs the fields its children
        reference, and its key)."""
        return Request(self._note, [entity.name, row_key(entity, row), snapshot(row)])

    def forget(self, entity: Entity, rows: Sequence[Row]) -> None:
        """The cascades of ``rows`` are done (a failure is logged: a purge drops the entry later)."""
        requests = [Request(self._forget, [entity.name, row_key(entity, row)]) for row in rows]
        for row, outcome in zip(rows, self._statements.execute_all(requests)):
            if isinstance(outcome, DAOError):
                log.warning("could not note the end of the cascade of %s %s: %s",
                            entity.name, row_key(entity, row), outcome)

    def pending(self) -> list[Pending]:
        """Every entry left, of the entities the catalog knows."""
        request = Request(self._pending, fetch_size=READ_FETCH_SIZE)
        now_us = now_ms() * 1000  # write times are in microseconds
        return [
            Pending(found["entity"], found["row_key"], restore(self._catalog[found["entity"]], found["snapshot"]),
                    (now_us - found["written"]) / 1e6)
            for found in read_all(self._statements, request)
            if found["entity"] in self._catalog
        ]
