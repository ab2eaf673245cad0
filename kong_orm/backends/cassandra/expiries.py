"""Reporting the rows Cassandra lets expire.

Cassandra drops a row once its TTL has passed, and tells no one. So that a
purge can report expired rows as it does on SQL, every write of a row with a
TTL also writes an entry in the ``expiries`` table: the row's entity and key,
when it expires, and the row as written. The entry lives a day longer than
the row (:data:`GRACE_SECONDS`): a row that expired longer ago than that
without a purge goes unreported.

A purge reads the entries that are due (a range lookup on the indexed
``expire_at``). An entry whose row is gone is taken with a lightweight
transaction, so of concurrent purgers exactly one reports the row. An entry
whose row is still there without a TTL (an update made it permanent) is
dropped; one whose row still has a TTL waits for a later purge. A delete
forgets the entries of the rows it removes: they were reported already.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kong_orm.backends.cassandra.statements import Request, Statements
from kong_orm.errors import DAOError
from kong_orm.registry import Catalog
from kong_orm.repository import Row, now_ms
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Kind

log = logging.getLogger(__name__)

GRACE_SECONDS = 86_400
"""How long an entry outlives its row."""
DUE_BATCH = 1000
"""Due entries read at a time by a purge."""


@dataclass(frozen=True)
class Due:
    """An entry whose time has come: ``row`` as last written with a TTL."""

    entity: str
    row_key: str
    expire_at: int
    row: Row


class Expiries:
    """The ``expiries`` table of one keyspace (``table``: its qualified name)."""

    def __init__(self, table: str, catalog: Catalog, statements: Statements) -> None:
        self._catalog = catalog
        self._statements = statements
        self._record = (
            f"INSERT INTO {table} (entity, row_key, expire_at, snapshot) VALUES (?, ?, ?, ?) USING TTL ?"
        )
        self._forget = f"DELETE FROM {table} WHERE entity = ? AND row_key = ?"
        self._due = f"SELECT entity, row_key, expire_at, snapshot FROM {table} WHERE expire_at <= ? LIMIT ?"
        self._take = f"DELETE FROM {table} WHERE entity = ? AND row_key = ? IF expire_at = ?"

    def record(self, entity: Entity, row: Row, ttl: int) -> None:
        """Note that ``row`` (as stored) expires in ``ttl`` seconds.

        A failure is logged, not raised: the row is written, and only its
        expiry would go unreported.
        """
        self.record_all(entity, [(row, ttl)])

    def record_all(self, entity: Entity, rows: Sequence[tuple[Row, int]]) -> None:
        """:meth:`record` for each ``(row, ttl)``, in one concurrent round trip."""
        if not rows:
            return
        now = now_ms()
        requests = [
            Request(self._record, [entity.name, key, now + ttl * 1000, snapshot(row), ttl + GRACE_SECONDS])
            for (row, ttl), key in zip(rows, [row_key(entity, row) for row, _ in rows])
        ]
        for (row, _), outcome in zip(rows, self._statements.execute_all(requests)):
            if isinstance(outcome, DAOError):
                log.warning("could not record when %s %s expires: %s", entity.name, row_key(entity, row), outcome)

    def forget(self, entity: Entity, rows: Sequence[Row]) -> None:
        """Drop the entries of deleted ``rows`` (a failure is logged)."""
        if not rows:
            return
        requests = [Request(self._forget, [entity.name, row_key(entity, row)]) for row in rows]
        for row, outcome in zip(rows, self._statements.execute_all(requests)):
            if isinstance(outcome, DAOError):
                log.warning("could not forget when %s %s expires: %s", entity.name, row_key(entity, row), outcome)

    def due(self) -> list[Due]:
        """Up to :data:`DUE_BATCH` entries whose time has come, parents' before children's."""
        found = self._statements.execute(Request(self._due, [now_ms(), DUE_BATCH], fetch_size=DUE_BATCH)).rows
        rank = {entity.name: place for place, entity in enumerate(self._catalog.in_dependency_order())}
        entries = [
            Due(row["entity"], row["row_key"], row["expire_at"], restore(self._catalog[row["entity"]], row["snapshot"]))
            for row in found
            if row["entity"] in rank
        ]
        return sorted(entries, key=lambda due: (rank[due.entity], due.expire_at))

    def take(self, due: Due) -> bool:
        """Remove ``due``'s entry if it is still as read; whether this call removed it."""
        return self._statements.execute(Request(self._take, [due.entity, due.row_key, due.expire_at], lwt=True)).applied


def row_key(entity: Entity, row: Row) -> str:
    """The entry key of ``row``: its primary key as a JSON list of strings."""
    return json.dumps([str(row[name]) for name in entity.primary_key], separators=(",", ":"))


def snapshot(row: Row) -> str:
    """``row`` as JSON (ids as strings)."""
    return json.dumps(row, default=str, separators=(",", ":"))


def restore(entity: Entity, text: str) -> Row:
    """The row a :func:`snapshot` was taken of."""
    stored: dict[str, Any] = json.loads(text)
    row = {f.name: stored.get(f.name) for f in entity.fields}
    for f in entity.fields:
        if f.kind is Kind.ID and row[f.name] is not None:
            row[f.name] = uuid.UUID(row[f.name])
    return row
