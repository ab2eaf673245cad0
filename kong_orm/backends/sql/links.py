"""DBAPI connections taken from SQLAlchemy's pool and how a message is sent on one.

A :class:`Link` is a pooled DBAPI connection with a cursor of its own; the
store keeps idle links instead of checking each back into the pool. A
:class:`Driver` knows what differs between psycopg2 and sqlite3: how several
statements travel (one message on PostgreSQL, one call each on SQLite),
server-side prepared statements, and how to tell an idle connection has died.
"""
from __future__ import annotations

import select
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from sqlalchemy.pool import PoolProxiedConnection

from kong_orm.backends.sql.compiled import SQLText

Part = tuple["SQLText | str", "dict[str, Any] | None"]
"""One statement of a message: a compiled statement and its values, or transaction control."""

_PREPARED = "kong_orm_prepared"
ROWS_PER_STATEMENT = 1000
"""Rows per multi-row ``INSERT`` of a bulk insert on PostgreSQL."""


class Prepared:
    """The statements prepared on one server session (kept in the pool's per-connection info)."""

    __slots__ = ("names", "generation")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.generation = 0


class Link:
    """A DBAPI connection checked out of the pool, with a cursor and its prepared statements."""

    __slots__ = ("fairy", "dbapi", "cursor", "prepared")

    def __init__(self, fairy: PoolProxiedConnection) -> None:
        self.fairy = fairy
        dbapi: Any = fairy.dbapi_connection  # psycopg2's or sqlite3's connection
        self.dbapi = dbapi
        self.cursor: Any = dbapi.cursor()
        self.prepared: Prepared = fairy.info.setdefault(_PREPARED, Prepared())


class Driver(ABC):
    """What differs between the DBAPI modules the store sends statements through."""

    begin: str = "BEGIN"

    @abstractmethod
    def send(self, link: Link, parts: Sequence[Part], generation: int) -> list[Any]:
        """Run ``parts`` in order; return the rows of the last one."""

    @abstractmethod
    def insert_rows(self, link: Link, begin: str, text: SQLText, rows: Sequence[dict[str, Any]]) -> None:
        """In one transaction (begun with ``begin``), insert ``rows`` with ``text`` and commit."""

    @abstractmethod
    def in_transaction(self, link: Link) -> bool:
        """Whether the connection is inside a transaction (an aborted one included)."""

    def rollback(self, link: Link) -> None:
        link.dbapi.rollback()

    def dead(self, link: Link) -> bool:
        """Whether an idle connection is known to be unusable, found without a round trip."""
        return False

    def forget_prepared(self, link: Link) -> None:  # noqa: B027 (only some drivers prepare)
        """Drop what the connection has prepared (after a server said a statement is stale)."""


class SQLiteDriver(Driver):
    """sqlite3: one call per statement; a writer takes the write lock at ``BEGIN``."""

    begin = "BEGIN IMMEDIATE"

    def send(self, link: Link, parts: Sequence[Part], generation: int) -> list[Any]:
        cursor = link.cursor
        for text, values in parts:
            if isinstance(text, str):
                cursor.execute(text)
            else:
                cursor.execute(text.sql, text.parameters.values(values or {}))
        return cursor.fetchall() if cursor.description is not None else []

    def insert_rows(self, link: Link, begin: str, text: SQLText, rows: Sequence[dict[str, Any]]) -> None:
        cursor = link.cursor
        cursor.execute(begin)
        cursor.executemany(text.sql, [text.parameters.values(row) for row in rows])
        cursor.execute("COMMIT")

    def in_transaction(self, link: Link) -> bool:
        return bool(link.dbapi.in_transaction)


class PostgresDriver(Driver):
    """psycopg2: the statements of a call travel in one message, prepared once per connection.

    psycopg2 returns only the last statement's rows, so a statement whose rows
    are wanted goes last. ``PREPARE`` statements go first: they outlive a failed
    transaction, so after an error they are known to have run unless the error
    is one of theirs (class 42, or the server saying a prepared statement exists).
    """

    def __init__(self, *, prepare: bool) -> None:
        self.prepare = prepare

    def send(self, link: Link, parts: Sequence[Part], generation: int) -> list[Any]:
        cursor = link.cursor
        text, values = parts[0]
        if len(parts) == 1 and isinstance(text, SQLText) and self._ready(link, text, generation):
            if self.prepare:
                cursor.execute(text.execute_sql, text.prepared_parameters.values(values or {}))
            else:
                cursor.execute(text.sql, text.parameters.values(values or {}))
        else:
            message, arguments, preparing = self._message(link, parts, generation)
            try:
                cursor.execute(message, arguments)
            except Exception as exc:
                if not _failed_to_prepare(exc):
                    link.prepared.names.update(preparing)
                raise
            link.prepared.names.update(preparing)
        return cursor.fetchall() if cursor.description is not None else []

    def _ready(self, link: Link, text: SQLText, generation: int) -> bool:
        prepared = link.prepared
        return not self.prepare or (text.name in prepared.names and prepared.generation == generation)

    def _message(self, link: Link, parts: Sequence[Part], generation: int) -> tuple[str, list[Any], list[str]]:
        prepared = link.prepared
        head: list[str] = []
        if self.prepare and prepared.generation != generation:
            head.append("DEALLOCATE ALL")
            prepared.names.clear()
            prepared.generation = generation
        body: list[str] = []
        arguments: list[Any] = []
        preparing: list[str] = []
        for text, values in parts:
            if isinstance(text, str):
                body.append(text)
            elif self.prepare:
                if text.name not in prepared.names and text.name not in preparing:
                    head.append(text.prepare_sql)
                    preparing.append(text.name)
                body.append(text.execute_sql)
                arguments.extend(text.prepared_parameters.values(values or {}))
            else:
                body.append(text.sql)
                arguments.extend(text.parameters.values(values or {}))
        return "; ".join(head + body), arguments, preparing

    def insert_rows(self, link: Link, begin: str, text: SQLText, rows: Sequence[dict[str, Any]]) -> None:
        # multi-row VALUES, sent unprepared (their text varies with the row count), all in one message
        statements: list[str] = [begin]
        arguments: list[Any] = []
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            statements.append(text.rows_sql(len(chunk)))
            for row in chunk:
                arguments.extend(text.parameters.values(row))
        statements.append("COMMIT")
        link.cursor.execute("; ".join(statements), arguments)

    def in_transaction(self, link: Link) -> bool:
        return bool(link.dbapi.info.transaction_status != 0)  # 0: TRANSACTION_STATUS_IDLE

    def rollback(self, link: Link) -> None:
        link.cursor.execute("ROLLBACK")

    def dead(self, link: Link) -> bool:
        # An idle session receives nothing unless the server is closing it
        # (restart, pg_terminate_backend, idle timeout): readable means gone.
        if link.dbapi.closed:
            return True
        readable, _, _ = select.select([link.dbapi.fileno()], [], [], 0)
        return bool(readable)

    def forget_prepared(self, link: Link) -> None:
        link.prepared.names.clear()
        link.prepared.generation = -1  # the next message starts with DEALLOCATE ALL


_PREPARED_STATE_ERRORS = frozenset({"26000", "0A000", "42P05"})
"""Prepared statement missing, its result type changed (after a migration), or already there."""


def _failed_to_prepare(exc: Exception) -> bool:
    code = getattr(exc, "pgcode", None) or ""
    return code.startswith("42") or code in _PREPARED_STATE_ERRORS


def stale_prepared(exc: Exception) -> bool:
    """Whether the server refused a statement because of the connection's prepared state."""
    return getattr(exc, "pgcode", None) in _PREPARED_STATE_ERRORS
