"""Engines for PostgreSQL and SQLite, and the one place driver errors are caught."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from kong_orm.backends.sql.deadline import bounded_connection_factory, client_bound
from kong_orm.config import Config
from kong_orm.errors import DAOError, DatabaseError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
_WRITE = "kong_orm_write"


def database_url(config: Config) -> URL:
    """The SQLAlchemy URL of a postgres or sqlite config, built from its checked options."""
    options = config.options
    if config.database == "sqlite":
        return URL.create("sqlite", database=options.get("path") or options.get("database"))
    return URL.create(
        "postgresql+psycopg2",
        username=options.get("user"),
        password=options.get("password"),
        host=options.get("host", "127.0.0.1"),
        port=options.get("port", 5432),
        database=options.get("database", "kong"),
        query={"sslmode": options["sslmode"]} if "sslmode" in options else {},
    )


class Store:
    """The engines of one database, with error translation and one retry after a
    lost connection (the pool is refreshed, so a restarted server works again).

    ``engine`` runs transactions; ``reader`` runs single-statement reads. On
    PostgreSQL the reader is in autocommit mode: a read then costs one round
    trip, not a ``SELECT`` plus the ``ROLLBACK`` a pooled connection gets back.
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
        # An in-memory database is a single shared connection: one user at a time.
        self._exclusive: AbstractContextManager[object] = threading.RLock() if _in_memory(self.url) else nullcontext()

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a connection outside an explicit transaction."""
        return self._run(work, write=False)

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one transaction; ``IntegrityError`` is left to the caller."""
        return self._run(work, write=True)

    def _run(self, work: Callable[[Connection], T], *, write: bool) -> T:
        for attempt in (1, 2):
            try:
                with self.translating_errors(), self._connection(write) as conn:
                    return work(conn)
            except DatabaseError as exc:
                cause = exc.__cause__
                if attempt == 1 and isinstance(cause, DBAPIError) and cause.connection_invalidated:
                    log.warning("connection to %s lost; retrying once on a fresh one", self.backend)
                    continue
                raise
        raise AssertionError("unreachable")

    @contextmanager
    def _connection(self, write: bool) -> Iterator[Connection]:
        with self._exclusive, (self.engine if write else self.reader).connect() as conn:
            if write:
                with conn.execution_options(**{_WRITE: True}).begin():
                    yield conn
            else:
                yield conn

    @contextmanager
    def translating_errors(self) -> Iterator[None]:
        """Turn any driver or pool error into :class:`DatabaseError` (integrity errors excepted)."""
        try:
            yield
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise DatabaseError(self.backend, server_message(exc)) from exc
        except SQLAlchemyError as exc:
            raise DatabaseError(self.backend, str(exc).splitlines()[0]) from exc
        except (ValueError, OverflowError, UnicodeError) as exc:
            # what a driver raises itself, before anything reaches the server
            if isinstance(exc, DAOError):
                raise
            raise DatabaseError(self.backend, str(exc)) from exc

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()

    @property
    def engines(self) -> tuple[Engine, ...]:
        return (self.engine,) if self.reader is self.engine else (self.engine, self.reader)


def server_message(exc: DBAPIError) -> str:
    """The server's own words for a driver error, without the driver's framing."""
    diag = getattr(exc.orig, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        return str(primary)
    text = str(exc.orig).strip()
    if "FATAL:" in text:
        text = text.rsplit("FATAL:", 1)[1]
    return " ".join(text.split()) or type(exc.orig).__name__


def _create_engine(url: URL, timeout: float, options: Mapping[str, Any], **extra: Any) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeout)
    return create_engine(
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


def _in_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


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
