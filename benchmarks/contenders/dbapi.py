"""The raw drivers of the SQL stores: psycopg2 and the standard sqlite3 module.

Connections in autocommit mode (every statement is its own transaction, the
least work a driver can do for each op), kept in a minimal pool so that a
thread takes one that is already open.
"""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from benchmarks.contenders import Admin, Contender
from benchmarks.workload import COLUMNS, Row

_COLS = ", ".join(COLUMNS)


class _Statements:
    """The SQL texts, with the driver's placeholder."""

    def __init__(self, mark: str) -> None:
        self.insert = f"INSERT INTO consumers ({_COLS}) VALUES ({', '.join([mark] * 4)}) RETURNING {_COLS}"
        self.find = f"SELECT {_COLS} FROM consumers WHERE id = {mark}"
        self.find_all = f"SELECT {_COLS} FROM consumers WHERE username = {mark} ORDER BY id"
        self.page = f"SELECT {_COLS} FROM consumers ORDER BY id LIMIT {mark}"
        self.count = "SELECT count(*) FROM consumers"
        self.update = f"UPDATE consumers SET custom_id = {mark} WHERE id = {mark} RETURNING {_COLS}"
        self.delete = f"DELETE FROM consumers WHERE id = {mark}"
        self.all = f"SELECT {_COLS} FROM consumers"
        self.key_at = f"SELECT id FROM consumers ORDER BY id LIMIT 1 OFFSET {mark}"
        self.page_after = f"SELECT {_COLS} FROM consumers WHERE id > {mark} ORDER BY id LIMIT {mark}"
        self.count_by = f"SELECT count(*) FROM consumers WHERE username = {mark}"


class _DBAPI(Contender):
    """The ops over a DB-API connection; subclasses connect and convert keys."""

    sql: _Statements

    def __init__(self) -> None:
        self._idle: list[Any] = []
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
            with self._lock:
                self._opened.append(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._idle.append(conn)

    def _key(self, key: uuid.UUID) -> Any:
        return key

    def _params(self, row: Row) -> tuple[Any, ...]:
        return (self._key(row["id"]), row["created_at"], row["custom_id"], row["username"])

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with self._connection() as conn:
            cur = conn.cursor()
            cur.execute(sql, params)
            return cur.fetchone()

    def _all(self, sql: str, params: tuple[Any, ...]) -> Any:
        with self._connection() as conn:
            cur = conn.cursor()
            cur.execute(sql, params)
            return cur.fetchall()

    def insert(self, row: Row) -> Any:
        return self._one(self.sql.insert, self._params(row))

    def find(self, key: uuid.UUID) -> Any:
        return self._one(self.sql.find, (self._key(key),))

    def find_all(self, username: str) -> Any:
        return self._all(self.sql.find_all, (username,))

    def find_page(self, size: int) -> Any:
        return self._all(self.sql.page, (size,))

    def count(self) -> int:
        return int(self._one(self.sql.count)[0])

    def position_at(self, rows: int) -> Any:
        """The key of row number ``rows``: the page after it starts past it."""
        return self._one(self.sql.key_at, (rows - 1,))[0]

    def find_page_at(self, key: Any, size: int) -> Any:
        return self._all(self.sql.page_after, (key, size))

    def count_by(self, username: str) -> int:
        return int(self._one(self.sql.count_by, (username,))[0])

    def update(self, key: uuid.UUID, custom_id: str) -> Any:
        return self._one(self.sql.update, (custom_id, self._key(key)))

    def delete(self, key: uuid.UUID) -> Any:
        with self._connection() as conn:
            cur = conn.cursor()
            cur.execute(self.sql.delete, (self._key(key),))
            return cur.rowcount

    def close(self) -> None:
        for conn in self._opened:
            conn.close()
        self._opened.clear()
        self._idle.clear()


class Psycopg2(_DBAPI):
    name = "psycopg2"

    def __init__(self, url: str) -> None:
        import psycopg2.extras  # type: ignore[import-untyped]  # only needed for postgres

        super().__init__()
        self.driver = psycopg2
        self.driver.extras.register_uuid()
        self.dsn = url
        self.sql = _Statements("%s")

    def _connect(self) -> Any:
        conn = self.driver.connect(self.dsn)
        conn.autocommit = True
        return conn

    def insert_many(self, rows: list[Row]) -> None:
        params = [self._params(r) for r in rows]
        sql = f"INSERT INTO consumers ({_COLS}) VALUES %s"
        with self._connection() as conn:
            self.driver.extras.execute_values(conn.cursor(), sql, params, page_size=1000)

    def stream(self, page_size: int = 1000) -> int:
        with self._connection() as conn:
            conn.autocommit = False  # a server-side cursor lives in a transaction
            try:
                with conn.cursor(name="stream") as cur:
                    cur.itersize = page_size
                    cur.execute(self.sql.all)
                    return sum(1 for _ in cur)
            finally:
                conn.rollback()
                conn.autocommit = True


class Sqlite3(_DBAPI):
    name = "sqlite3"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.sql = _Statements("?")

    def _connect(self) -> Any:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _key(self, key: uuid.UUID) -> str:
        return key.hex  # how SQLAlchemy's Uuid type stores a UUID on SQLite

    def insert_many(self, rows: list[Row]) -> None:
        params = [self._params(r) for r in rows]
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(f"INSERT INTO consumers ({_COLS}) VALUES (?, ?, ?, ?)", params)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def stream(self, page_size: int = 1000) -> int:
        """Every row through the cursor, which steps the statement a row at a time (no pages)."""
        with self._connection() as conn:
            return sum(1 for _ in conn.execute(self.sql.all))


class SqlAdmin(Admin):
    """Loads and deletes rows through a raw contender, in batches."""

    def __init__(self, raw: Psycopg2 | Sqlite3) -> None:
        self.raw = raw

    def load(self, rows: list[Row]) -> None:
        for i in range(0, len(rows), 5000):
            self.raw.insert_many(rows[i:i + 5000])

    def delete_ids(self, ids: list[Any]) -> None:
        for key in ids:
            self.raw.delete(key)

    def settle(self) -> str:
        """PostgreSQL: ``VACUUM ANALYZE`` now rather than autovacuum in the middle of the timings."""
        if not isinstance(self.raw, Psycopg2):
            return "nothing to do"
        start = time.monotonic()
        with self.raw._connection() as conn:
            conn.cursor().execute("VACUUM ANALYZE consumers")
        return f"VACUUM ANALYZE in {time.monotonic() - start:.1f} s"

    def close(self) -> None:
        self.raw.close()


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///path`` URL."""
    return urlsplit(url).path[1:] if url.startswith("sqlite:///") else url
