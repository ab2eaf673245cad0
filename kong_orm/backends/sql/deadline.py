"""A client-side bound on every PostgreSQL round trip.

The server's ``statement_timeout`` cannot fire while the server process is
frozen, and TCP keepalives and ``tcp_user_timeout`` cannot notice it either:
the host's kernel still acknowledges every packet. So each call that waits for
the server (a statement, a commit, a rollback) is registered with a deadline;
a watchdog thread shuts the socket of a call that outlives it, which wakes the
waiting driver with a lost connection, and the pool replaces that connection.
"""
from __future__ import annotations

import heapq
import itertools
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Call:
    """One bounded call; ``expired`` tells whether the watchdog cut it off."""

    __slots__ = ("fileno", "number", "expired")

    def __init__(self, fileno: int, number: int) -> None:
        self.fileno = fileno
        self.number = number
        self.expired = False


class Watchdog:
    """Shuts the socket of any registered call still running at its deadline."""

    def __init__(self) -> None:
        self._wakeup = threading.Condition()
        self._armed: dict[int, Call] = {}
        self._deadlines: list[tuple[float, int]] = []
        self._numbers = itertools.count()
        self._thread: threading.Thread | None = None
        self._wake_at = math.inf
        """When the watchdog wakes next: a call due later needs no wake-up call (a thread
        switch per statement otherwise), the watchdog looks again at that time."""

    @contextmanager
    def bounding(self, fileno: int, seconds: float) -> Iterator[Call]:
        """Let the call run for ``seconds`` at most, then shut socket ``fileno``."""
        call = self.arm(fileno, seconds)
        try:
            yield call
        finally:
            self.disarm(call)

    def arm(self, fileno: int, seconds: float) -> Call:
        """Start the clock of a call on socket ``fileno``; :meth:`disarm` it when it ends."""
        call = Call(fileno, next(self._numbers))
        deadline = time.monotonic() + seconds
        with self._wakeup:
            self._armed[call.number] = call
            heapq.heappush(self._deadlines, (deadline, call.number))
            self._start()
            if deadline < self._wake_at:
                self._wake_at = deadline
                self._wakeup.notify()
        return call

    def disarm(self, call: Call) -> None:
        """The call ended: its socket is never shut for it after this returns."""
        with self._wakeup:
            self._armed.pop(call.number, None)
            self._forget_finished()

    def _forget_finished(self) -> None:
        """Drop the deadlines of finished calls from the front; most calls end in order."""
        while self._deadlines and self._deadlines[0][1] not in self._armed:
            heapq.heappop(self._deadlines)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._watch, name="kong_orm-postgres-deadline", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        with self._wakeup:
            while True:
                now = time.monotonic()
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, number = heapq.heappop(self._deadlines)
                    call = self._armed.pop(number, None)
                    if call is not None:
                        call.expired = True
                        _shut(call.fileno)
                self._forget_finished()
                self._wake_at = self._deadlines[0][0] if self._deadlines else math.inf
                self._wakeup.wait(self._wake_at - now if self._deadlines else None)


def _shut(fileno: int) -> None:
    try:
        with socket.socket(fileno=fileno) as sock:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.detach()  # the descriptor stays the driver's to close
    except OSError:
        pass


WATCHDOG = Watchdog()


def client_bound(timeout: float) -> float:
    """How long a call may wait: past the server's own timeouts, which answer more precisely."""
    return timeout + max(1.0, timeout / 2)


@contextmanager
def unbounded(dbapi_connection: Any) -> Iterator[None]:
    """Let the calls on ``dbapi_connection`` take as long as the server does, while in
    this block (a migration may rewrite big tables). Other connections need no change."""
    bound = getattr(dbapi_connection, "bound", None)
    if bound is None:
        yield
        return
    dbapi_connection.bound = None
    try:
        yield
    finally:
        dbapi_connection.bound = bound


def bounded_connection_factory(seconds: float) -> Callable[..., Any]:
    """A psycopg2 ``connection_factory`` whose statements, commits and rollbacks
    fail after ``seconds`` with ``OperationalError`` (a lost connection), unless
    lifted by :func:`unbounded`."""
    import psycopg2.extensions  # type: ignore[import-untyped]

    def bounded(conn: Any, call: Callable[[], Any]) -> Any:
        if conn.closed or conn.bound is None:
            return call()
        watched = WATCHDOG.arm(conn.fileno(), conn.bound)
        try:
            return call()
        except psycopg2.Error as exc:
            if not watched.expired:
                raise
            raise psycopg2.OperationalError(f"no answer from the server within {seconds:g} s") from exc
        finally:
            WATCHDOG.disarm(watched)

    class BoundedCursor(psycopg2.extensions.cursor):  # type: ignore[misc]
        def execute(self, query: Any, vars: Any = None) -> Any:
            return bounded(self.connection, lambda: super(BoundedCursor, self).execute(query, vars))

        def executemany(self, query: Any, vars_list: Any) -> Any:
            return bounded(self.connection, lambda: super(BoundedCursor, self).executemany(query, vars_list))

    class BoundedConnection(psycopg2.extensions.connection):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.cursor_factory = BoundedCursor
            self.bound: float | None = seconds

        def commit(self) -> None:
            bounded(self, super().commit)

        def rollback(self) -> None:
            bounded(self, super().rollback)

    return BoundedConnection
