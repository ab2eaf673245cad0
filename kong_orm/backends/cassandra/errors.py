"""Driver failures as :class:`~kong_orm.errors.DatabaseError`, in one place."""
from __future__ import annotations

import re

from cassandra import (
    CoordinationFailure,
    DriverException,
    OperationTimedOut,
    RequestExecutionException,
    RequestValidationException,
    WriteFailure,
    WriteTimeout,
)
from cassandra.cluster import NoHostAvailable
from cassandra.connection import ConnectionException

from kong_orm.errors import DAOError, DatabaseError

BACKEND = "cassandra"
_SERVER_MESSAGE = re.compile(r'message="(.*?)"(?: info=|$)', re.DOTALL)


_UNKNOWN_OUTCOME = (WriteTimeout, WriteFailure, OperationTimedOut, ConnectionException, CoordinationFailure)
"""Failures after a write may have reached a replica: it may or may not have been applied."""


class OutcomeUnknown(DatabaseError):
    """A write that failed in a way that leaves open whether it was applied
    (a timeout, a lost connection): it was not retried, and what it took is kept."""


def translate(exc: BaseException, *, write: bool = False) -> DAOError:
    """The error a caller sees for ``exc``: kong_orm's own errors pass through.

    :param write: ``exc`` ended a write, so a timeout leaves its outcome unknown.
    """
    if isinstance(exc, DAOError):
        return exc
    if write and isinstance(exc, _UNKNOWN_OUTCOME):
        return OutcomeUnknown(BACKEND, f"outcome unknown, the write may or may not have been applied: {describe(exc)}")
    return DatabaseError(BACKEND, describe(exc))


def describe(exc: BaseException) -> str:
    """The server's (or the driver's) own words for ``exc``."""
    if isinstance(exc, (RequestExecutionException, RequestValidationException)):
        message = getattr(exc, "message", None) or str(exc)
        return _server_words(str(message))
    if isinstance(exc, NoHostAvailable):
        return _no_host(exc)
    if isinstance(exc, DriverException):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _server_words(message: str) -> str:
    """Drop the driver's framing (``Error from server: code=2200 [Invalid query] message="..."``)."""
    found = _SERVER_MESSAGE.search(message)
    return found.group(1) if found else message


def _no_host(exc: NoHostAvailable) -> str:
    summary = exc.args[0] if exc.args else "no host available"
    errors = getattr(exc, "errors", None) or {}
    details = "; ".join(f"{host}: {describe(error)}" for host, error in errors.items())
    return f"{summary} ({details})" if details else str(summary)
