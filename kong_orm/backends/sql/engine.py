"""Engines for PostgreSQL and SQLite, the connections hot paths run on, and the one place driver errors are caught."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import ClauseElement

from kong_orm.backends.sql.compiled import SQLText
from kong_orm.backends.sql.deadline import bounded_connection_factory, client_bound, unbounded
from kong_orm.backends.sql.links import (
    ROWS_PER_STATEMENT,
    Driver,
    Link,
    Part,
    PostgresDriver,
    SQLiteDriver,
    stale_prepared,
)
from kong_orm.backends.sql.transaction import Transaction
from kong_orm.backends.sql.uuids import register_uuid_caster
from kong_orm.config import DEFAULT_SQLITE_PATH, Config
from kong_orm.errors import DAOError, DatabaseError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
_WRITE = "kong_orm_write"
_LIBPQ_TLS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl")
"""Options handed to libpq as they are (the config checked that they fit together)."""


def database_url(config: Config) -> URL:
    """The SQLAlchemy URL of a postgres or sqlite config, built from its checked options.

    An sqlite config naming no path is the file ``kong_orm.db``, as ``Config.from_env``'s
    fallback, unless its URL (``sqlite://``) asks for an in-memory database.
    """
    options = config.options
    if config.database == "sqlite":
        return URL.create("sqlite", database=_sqlite_path(config))
    return URL.create(
        "postgresql+psycopg2",
        username=options.get("user"),
        password=options.get("password"),
        host=options.get("host", "127.0.0.1"),
        port=options.get("port", 5432),
        database=options.get("database", "kong"),
        query={name: options[name] for name in _LIBPQ_TLS if name in options},
    )


def _sqlite_path(config: Config) -> str | None:
    path: str | None = config.options.get("path") or config.options.get("database")
    if path or config.url is not None:
        return path
    return DEFAULT_SQLITE_PATH


class Store:
    """The engines of one database, the connections statements run on, and the
    one place driver errors become :class:`DatabaseError`.

    Hot paths run :class:`SQLText` statements on DBAPI connections kept
    checked out between calls (:meth:`query`, :meth:`execute`,
    :meth:`transaction`); ``engine`` serves SQLAlchemy ``Connection`` work
    (migrations, explaining a constraint failure, purges) through
    :meth:`read` and :meth:`write`. On PostgreSQL the hot-path connections are
    in autocommit mode, so a single statement costs one round trip, and a
    transaction sends ``BEGIN`` and ``COMMIT`` along with its first and last
    statements.

    After a lost connection a read is retried once on a fresh one; a write is
    not, since its commit may have landed: it raises :class:`DatabaseError`
    saying its outcome is unknown (unless the connection died before the
    write could commit, in which case it is retried too).
    """

    def __init__(self, config: Config) -> None:
        self.url = database_url(config)
        self.timeout = float(config.options.get("timeout", DEFAULT_TIMEOUT))
        self.backend = "sqlite" if self.url.get_backend_name() == "sqlite" else "postgres"
        try:
            self.engine = _create_engine(self.url, self.timeout, config.options)
            self.reader = self.engine if self.backend == "sqlite" else _create_engine(
                self.url, self.timeout, config.options, isolation_level="AUTOCOMMIT"
            )
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(f"{exc}: install kong_orm[{self.backend}] for the {self.backend} driver") from exc
        self.dialect = self.reader.dialect
        self.driver: Driver = (
            SQLiteDriver()
            if self.backend == "sqlite"
            else PostgresDriver(prepare=bool(config.options.get("prepared_statements", True)))
        )
        self._dbapi: Any = self.dialect.dbapi
        self._may_die = self.backend != "sqlite"  # an idle SQLite connection cannot be closed under us
        self._idle: list[Link] = []
        self._idle_limit = int(config.options.get("pool_size", 5))
        self._generation = 0
        self.observers: tuple[Callable[[list[str]], None], ...] = ()
        # An in-memory database is a single shared connection: one user at a time.
        self._in_memory = _in_memory(self.url)
        self._exclusive: AbstractContextManager[object] = threading.RLock() if self._in_memory else nullcontext()

    @property
    def integrity_error(self) -> type[Exception]:
        """The driver's exception for a violated constraint."""
        error: type[Exception] = self._dbapi.IntegrityError
        return error

    def compile(self, statement: ClauseElement, *, column_keys: Sequence[str] | None = None) -> SQLText:
        """``statement`` compiled once for this database."""
        prepared = isinstance(self.driver, PostgresDriver) and self.driver.prepare
        return SQLText(statement, self.dialect, column_keys=column_keys, prepared=prepared)

    def schema_changed(self) -> None:
        """Statements prepared before a migration may be stale: deallocate them on next use."""
        self._generation += 1

    # -- hot path: compiled statements on DBAPI connections --------------------

    def query(self, text: SQLText, values: dict[str, Any]) -> list[Any]:
        """Rows of one read (retried once after a lost connection)."""
        return self._run(self.send, [(text, values)], False)

    def execute(self, text: SQLText, values: dict[str, Any]) -> list[Any]:
        """Rows of one write statement, committed on its own."""
        return self._run(self.send, [(text, values)], True)

    def transaction(self, work: Callable[[Transaction], T]) -> T:
        """Run ``work`` in one transaction; it ends it with :meth:`Transaction.commit`, or it rolls back."""

        def converse(link: Link) -> T:
            transaction = Transaction(self, link)
            result = work(transaction)
            transaction.close()
            return result

        return self._run(converse)

    def send(self, link: Link, parts: Sequence[Part], committing: bool) -> list[Any]:
        """Send ``parts`` as one message; :class:`_LostConnection` if the connection dies."""
        if self.observers:
            shown = [text if isinstance(text, str) else text.sql for text, _ in parts]
            for observer in self.observers:
                observer(shown)
        try:
            return self.driver.send(link, parts, self._generation)
        except self._dbapi.Error as exc:
            if self.dialect.is_disconnect(exc, link.dbapi, link.cursor):
                raise _LostConnection(committing) from exc
            raise

    def insert_rows(self, link: Link, text: SQLText, rows: Sequence[dict[str, Any]]) -> None:
        """See :meth:`Transaction.commit_rows`; a lost connection leaves the outcome unknown."""
        if self.observers:
            chunks = -(-len(rows) // ROWS_PER_STATEMENT)
            for observer in self.observers:
                observer([self.driver.begin, *([text.sql] * chunks), "COMMIT"])
        try:
            self.driver.insert_rows(link, self.driver.begin, text, rows)
        except self._dbapi.Error as exc:
            if self.dialect.is_disconnect(exc, link.dbapi, link.cursor):
                raise _LostConnection(True) from exc
            raise

    def _run(self, converse: Callable[..., T], *args: Any) -> T:
        """``converse(link, *args)`` on a checked-out connection, with the retries and error
        translation described on the class."""
        try:
            if self._in_memory:
                with self._exclusive:
                    return self._attempt_twice(converse, args)
            return self._attempt_twice(converse, args)
        except Exception as exc:
            error = self._database_error(exc)
            if error is None:
                raise
            raise error from exc

    def _attempt_twice(self, converse: Callable[..., T], args: tuple[Any, ...]) -> T:
        for attempt in (1, 2):
            link = self._checkout()
            try:
                result = converse(link, *args)
            except _LostConnection as lost:
                self._discard(link, lost.__cause__)
                if lost.committing or attempt == 2:
                    raise _lost_error(self.backend, lost) from lost.__cause__
                log.warning("connection to %s lost; retrying once on a fresh one", self.backend)
                continue
            except BaseException as exc:
                self._settle(link)
                if attempt == 1 and isinstance(exc, Exception) and stale_prepared(exc):
                    self.driver.forget_prepared(link)
                    continue
                raise
            self._release(link)
            return result
        raise AssertionError("unreachable")

    def _checkout(self) -> Link:
        while self._idle:
            try:
                link = self._idle.pop()
            except IndexError:
                break
            if not self._may_die or not self.driver.dead(link):
                return link
            self._discard(link, None)
        link = Link(self.reader.raw_connection())
        if self.driver.dead(link):  # a pooled connection the server has closed meanwhile
            self._discard(link, None)
            link = Link(self.reader.raw_connection())
        return link

    def _release(self, link: Link) -> None:
        if len(self._idle) < self._idle_limit:
            self._idle.append(link)
        else:
            link.fairy.close()

    def _settle(self, link: Link) -> None:
        """Give an errored connection back rolled back, or drop it if it cannot be."""
        try:
            if self.driver.in_transaction(link):
                self.driver.rollback(link)
        except Exception as exc:  # the connection is broken: it must not be reused
            self._discard(link, exc)
            return
        self._release(link)

    def _discard(self, link: Link, exc: BaseException | None) -> None:
        try:
            link.fairy.invalidate(exc if isinstance(exc, Exception) else None)
        except Exception:
            log.debug("closing a broken connection failed", exc_info=True)

    # -- SQLAlchemy connections ------------------------------------------------

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a connection outside an explicit transaction (retried once after a lost connection).

        An SQLite file that does not exist reads as an empty database and is not created.
        """
        if self._file_missing():
            with self.translating_errors():
                return _on_an_empty_sqlite_database(work)
        for attempt in (1, 2):
            try:
                with self._exclusive, self.translating_errors(), self.reader.connect() as conn:
                    return work(conn)
            except DatabaseError as exc:
                cause = exc.__cause__
                if attempt == 1 and isinstance(cause, DBAPIError) and cause.connection_invalidated:
                    log.warning("connection to %s lost; retrying once on a fresh one", self.backend)
                    continue
                raise
        raise AssertionError("unreachable")

    def _file_missing(self) -> bool:
        return self.backend == "sqlite" and not self._in_memory and not Path(str(self.url.database)).exists()

    def write(self, work: Callable[[Connection], T], *, schema_change: bool = False) -> T:
        """Run ``work`` in one transaction; ``IntegrityError`` is left to the caller.

        Never retried: after a lost connection the outcome is unknown. A
        ``schema_change`` (a migration may rewrite big tables) runs without the
        statement timeout and the client-side bound on PostgreSQL; its lock
        waits stay bounded by ``lock_timeout``, so a migration queued behind long
        transactions fails instead of holding every later query behind its lock.
        """
        try:
            with self._exclusive, self.translating_errors(), self.engine.connect() as conn:
                lifted = unbounded(conn.connection.dbapi_connection) if schema_change else nullcontext()
                with lifted, conn.execution_options(**{_WRITE: True}).begin():
                    if schema_change and self.backend == "postgres":
                        conn.execute(text("SET LOCAL statement_timeout = 0"))
                    return work(conn)
        except DatabaseError as exc:
            cause = exc.__cause__
            if isinstance(cause, DBAPIError) and cause.connection_invalidated:
                raise DatabaseError(self.backend, f"{UNKNOWN_OUTCOME} ({exc.message})") from cause
            raise

    @contextmanager
    def translating_errors(self) -> Iterator[None]:
        """Turn any driver or pool error into :class:`DatabaseError` (integrity errors excepted)."""
        try:
            yield
        except Exception as exc:
            error = self._database_error(exc)
            if error is None:
                raise
            raise error from exc

    def _database_error(self, exc: Exception) -> DatabaseError | None:
        """The :class:`DatabaseError` a driver or pool error becomes; ``None`` for the others
        (integrity errors, which callers explain, and kong_orm's own errors)."""
        if isinstance(exc, (IntegrityError, self._dbapi.IntegrityError, DAOError)):
            return None
        if isinstance(exc, DBAPIError):
            return DatabaseError(self.backend, server_message(exc.orig))
        if isinstance(exc, self._dbapi.Error):
            return DatabaseError(self.backend, server_message(exc))
        if isinstance(exc, SQLAlchemyError):
            return DatabaseError(self.backend, str(exc).splitlines()[0])
        if isinstance(exc, (ValueError, OverflowError, UnicodeError)):
            # what a driver raises itself, before anything reaches the server
            return DatabaseError(self.backend, str(exc))
        return None

    def dispose(self) -> None:
        while self._idle:
            self._idle.pop().fairy.close()
        for engine in self.engines:
            engine.dispose()

    @property
    def engines(self) -> tuple[Engine, ...]:
        return (self.engine,) if self.reader is self.engine else (self.engine, self.reader)


UNKNOWN_OUTCOME = "connection lost during the write; its outcome is unknown"


class _LostConnection(Exception):
    """The connection died while a message was under way."""

    def __init__(self, committing: bool) -> None:
        super().__init__("connection lost")
        self.committing = committing


def _lost_error(backend: str, lost: _LostConnection) -> DatabaseError:
    cause = lost.__cause__
    reason = server_message(cause) if isinstance(cause, Exception) else "connection lost"
    return DatabaseError(backend, f"{UNKNOWN_OUTCOME} ({reason})" if lost.committing else reason)


def server_message(exc: BaseException | None) -> str:
    """The server's own words for a driver error, without the driver's framing."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        return str(primary)
    text = str(exc).strip()
    if "FATAL:" in text:
        text = text.rsplit("FATAL:", 1)[1]
    return " ".join(text.split()) or type(exc).__name__


def _create_engine(url: URL, timeout: float, options: Mapping[str, Any], **extra: Any) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeout)
    engine = create_engine(
        url,
        **extra,
        pool_timeout=timeout,
        pool_size=int(options.get("pool_size", 5)),
        connect_args={
            "connect_timeout": max(1, int(timeout)),
            # the server gives up on a statement (or a lock wait) after the timeout too
            "options": f"-c statement_timeout={int(timeout * 1000)} -c lock_timeout={int(timeout * 1000)}",
            "keepalives": 1,
            "keepalives_idle": max(1, int(timeout)),
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": int(timeout * 1000),
            # and the client gives up on a server that is frozen (its kernel still answers TCP)
            "connection_factory": bounded_connection_factory(client_bound(timeout)),
        },
    )
    event.listen(engine, "connect", lambda dbapi_connection, record: register_uuid_caster(dbapi_connection))
    return engine


def _in_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _on_an_empty_sqlite_database(work: Callable[[Connection], T]) -> T:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with engine.connect() as conn:
            return work(conn)
    finally:
        engine.dispose()


def _sqlite_engine(url: URL, timeout: float) -> Engine:
    in_memory = _in_memory(url)
    engine = create_engine(
        url,
        connect_args={"timeout": timeout, "check_same_thread": False},
        poolclass=StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, record: Any) -> None:
        # Transactions are begun explicitly below, so pysqlite must not begin its own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock up front; a deferred BEGIN could deadlock
        # with another process upgrading its lock and fail with "database is locked".
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
