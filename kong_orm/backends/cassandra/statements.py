"""The single way statements reach Cassandra.

Each CQL text is prepared once per session and bound per call; every request
passes :meth:`Statements._execute`, where statements are counted, and
:meth:`Statements._outcome`, where driver errors are translated.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cassandra.query import SimpleStatement

from kong_orm.backend import StatementCounter
from kong_orm.backends.cassandra.connection import RETRY_POLICY, Connection
from kong_orm.backends.cassandra.errors import translate
from kong_orm.errors import DAOError, DatabaseError

log = logging.getLogger(__name__)

APPLIED = "[applied]"
SCHEMA_TIMEOUT = 120.0
MAX_IN_FLIGHT = 256
"""Requests of one :meth:`Statements.execute_all` in flight at a time: enough to keep a node busy;
more would only queue there, towards their timeouts."""


@dataclass(frozen=True)
class Request:
    """One statement with its bound values.

    :param lwt: a lightweight transaction (gets the serial consistency).
    :param linearizable: a read at the serial consistency, which sees every
        lightweight transaction that applied.
    :param schema: a schema change or TRUNCATE: sent unprepared, with a long
        timeout, and checked for schema agreement.
    """

    cql: str
    params: Sequence[Any] = ()
    lwt: bool = False
    linearizable: bool = False
    fetch_size: int | None = None
    paging_state: bytes | None = None
    schema: bool = False

    @property
    def writes(self) -> bool:
        """Whether the statement changes data (anything but a ``SELECT``)."""
        return self.cql.lstrip()[:6].upper() != "SELECT"


@dataclass(frozen=True)
class Result:
    """A result page as plain dicts, with the driver's paging state."""

    rows: list[dict[str, Any]]
    paging_state: bytes | None = None

    @property
    def applied(self) -> bool:
        """Whether a lightweight transaction applied."""
        return bool(self.rows[0][APPLIED]) if self.rows else True

    def one(self) -> dict[str, Any] | None:
        return self.rows[0] if self.rows else None


class _Failed:
    """A request that failed before it was sent."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def result(self) -> Any:
        raise self.exc


class Statements:
    """Prepared statements and their execution for one factory."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._settings = connection.settings
        self._prepared: dict[tuple[int, str], Any] = {}
        self._lock = threading.Lock()
        self._counters: tuple[StatementCounter, ...] = ()

    def execute(self, request: Request) -> Result:
        """Send one request and wait for it; raise :class:`DatabaseError` on failure."""
        return self._outcome(self._execute(request), request)

    def execute_all(self, requests: Sequence[Request], window: int = MAX_IN_FLIGHT) -> list[Result | DAOError]:
        """Send ``requests`` concurrently, at most ``window`` at a time, and wait for
        all; failures are returned, not raised, in the order of ``requests``."""
        slots = threading.Semaphore(window)
        pending = []
        for request in requests:
            slots.acquire()
            future = self._execute(request)
            _when_done(future, slots.release)
            pending.append(future)
        return [self._settle(future, request) for future, request in zip(pending, requests)]

    def execute_every(self, requests: Sequence[Request], window: int = MAX_IN_FLIGHT) -> list[Result]:
        """:meth:`execute_all`, raising the first failure (in the order of ``requests``)."""
        outcomes = self.execute_all(requests, window)
        failure = next((outcome for outcome in outcomes if isinstance(outcome, DAOError)), None)
        if failure is not None:
            raise failure
        return [outcome for outcome in outcomes if isinstance(outcome, Result)]  # every one, typed

    def _settle(self, future: Any, request: Request) -> Result | DAOError:
        try:
            return self._outcome(future, request)
        except DAOError as error:
            return error

    def partitioner(self) -> str | None:
        """The cluster's partitioner (a class name) as the driver read it; ``None`` when no node
        answers (the statement sent next reports why, as a :class:`DatabaseError`)."""
        try:
            return self._connection.session().cluster.metadata.partitioner  # type: ignore[no-any-return]
        except Exception:
            return None

    def listen(self, counter: StatementCounter) -> None:
        with self._lock:
            self._counters += (counter,)

    def unlisten(self, counter: StatementCounter) -> None:
        with self._lock:
            self._counters = tuple(c for c in self._counters if c is not counter)

    def _execute(self, request: Request) -> Any:
        for counter in self._counters:
            counter.record(request.cql)
        log.debug("cql: %s", request.cql)
        try:
            session = self._connection.session()
            return session.execute_async(
                self._statement(session, request),
                timeout=SCHEMA_TIMEOUT if request.schema else self._settings.timeout,
                paging_state=request.paging_state,
            )
        except Exception as exc:
            return _Failed(exc)

    def _outcome(self, future: Any, request: Request) -> Result:
        try:
            result_set = future.result()
        except Exception as exc:
            log.debug("statement failed: %s (%s)", request.cql, exc)
            sent = not isinstance(future, _Failed)
            raise translate(exc, write=sent and request.writes) from exc
        if request.schema and not result_set.response_future.is_schema_agreed:
            raise DatabaseError("cassandra", f"nodes did not agree on the schema after: {request.cql}")
        return Result(_as_dicts(result_set), result_set.paging_state)

    def _statement(self, session: Any, request: Request) -> Any:
        if request.schema:
            return SimpleStatement(request.cql, consistency_level=self._settings.consistency)
        statement = self._prepare(session, request.cql).bind(request.params)
        # reads may be retried on another host; writes never (see NoBlindWriteRetries)
        statement.is_idempotent = not request.writes
        statement.retry_policy = RETRY_POLICY
        statement.consistency_level = self._settings.consistency
        if request.linearizable:
            statement.consistency_level = self._settings.serial_consistency
        if request.lwt:
            statement.serial_consistency_level = self._settings.serial_consistency
        if request.fetch_size is not None:
            statement.fetch_size = request.fetch_size
        return statement

    def _prepare(self, session: Any, cql: str) -> Any:
        key = (id(session), cql)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = session.prepare(cql)
            self._prepared[key] = prepared
        return prepared

    def forget_prepared(self) -> None:
        """Drop the prepared statements (after the session they belong to is gone)."""
        self._prepared.clear()


def _when_done(future: Any, call: Callable[[], None]) -> None:
    """Have ``call()`` run once ``future`` is answered or failed (at once if it is)."""
    if isinstance(future, _Failed):
        call()
    else:
        future.add_callbacks(lambda _: call(), lambda _: call())


def _as_dicts(result_set: Any) -> list[dict[str, Any]]:
    """Rows as dicts whatever the session's row factory."""
    rows = result_set.current_rows
    names = result_set.column_names or ()
    return [dict(row) if isinstance(row, Mapping) else dict(zip(names, row)) for row in rows]
