"""Reading rows on Cassandra: keys bound, pages followed, TTLs left.

The driver's paging state is the position between pages; each page is a
statement of its own, so a long read never holds a result set open.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kong_orm.backends.cassandra.codec import encode
from kong_orm.backends.cassandra.statements import Request, Statements
from kong_orm.repository import Row
from kong_orm.schema.entity import Entity

READ_FETCH_SIZE = 1000
NO_TTL = 0


def key_of(entity: Entity, row: Row) -> list[Any]:
    """The bound values of ``row``'s primary key."""
    return [encode(entity[name], row[name]) for name in entity.primary_key]


def remaining_ttl(found: Row) -> int:
    """Seconds the stored row has left to live (0: no TTL), from its ``ttl(<column>)`` values."""
    ttls = [value for name, value in found.items() if name.startswith("ttl(") and value is not None]
    return max(ttls, default=NO_TTL)


def read_all(statements: Statements, request: Request) -> list[Row]:
    """Every row of ``request`` from its paging state on, page by page (each page a statement of its own)."""
    rows: list[Row] = []
    state = request.paging_state
    while True:
        result = statements.execute(page_request(request, READ_FETCH_SIZE, state))
        rows += result.rows
        if result.paging_state is None:
            return rows
        state = result.paging_state


def read_pages(statements: Statements, request: Request, size: int) -> Iterator[list[Row]]:
    """The rows of ``request`` a page of (up to) ``size`` at a time, each read when the previous one is
    consumed; the driver's paging state says when the last one was read, so no look-ahead is needed."""
    state = request.paging_state
    while True:
        result = statements.execute(page_request(request, size, state))
        yield result.rows
        if result.paging_state is None:
            return
        state = result.paging_state


def read_page(statements: Statements, request: Request, size: int) -> tuple[list[Row], bytes | None]:
    """Up to ``size`` rows from ``request.paging_state``, and the state after them.

    The state is ``None`` when no row follows: a full page looks one row ahead.
    """
    rows: list[Row] = []
    state = request.paging_state
    while len(rows) < size:
        result = statements.execute(page_request(request, size - len(rows), state))
        rows += result.rows
        state = result.paging_state
        if state is None:
            return rows, None
    while True:
        ahead = statements.execute(page_request(request, 1, state))
        if ahead.rows:
            return rows, state
        if ahead.paging_state is None:
            return rows, None
        state = ahead.paging_state


def page_request(request: Request, size: int, state: bytes | None) -> Request:
    """``request`` for the page of ``size`` rows from paging state ``state``."""
    return Request(request.cql, request.params, fetch_size=size, paging_state=state)
