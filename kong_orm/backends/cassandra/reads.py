"""Reading rows on Cassandra: keys bound, pages followed, TTLs left.

The driver's paging state is the position between pages; each page is a
statement of its own, so a long read never holds a result set open.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kong_orm.backends.cassandra.codec import encode
from kong_orm.backends.cassandra.statements import Request, Result, Statements
from kong_orm.repository import Row
from kong_orm.schema.entity import Entity

READ_FETCH_SIZE = 1000
NO_TTL = 0
COUNT_SLICES = 32
"""Token ranges a count that scans a large table is split into: each slice reads its share of
the table, so no single request runs into the node's range timeout."""
COUNT_WINDOW = 2
"""Slices counted at a time: more would share the node and each take as long as the whole."""
ONE_STATEMENT_ROWS = 200_000
"""Rows a count may expect to read in one statement: a table whose first slice holds fewer than
this many over :data:`COUNT_SLICES` is counted in two statements (that slice, then the rest)."""
MURMUR3 = "org.apache.cassandra.dht.Murmur3Partitioner"
_LOWEST, _HIGHEST = -(2**63), 2**63 - 1


def ring_slices(count: int) -> list[tuple[int, int]]:
    """``count`` token ranges ``(low, high]`` that cover Murmur3's ring without overlapping
    (no key hashes to the lowest token: Murmur3 maps it to the highest)."""
    step = (_HIGHEST - _LOWEST) // count
    bounds = [_LOWEST + index * step for index in range(count)] + [_HIGHEST]
    return list(zip(bounds, bounds[1:]))


def count_in_slices(statements: Statements, cql: str, values: list[Any], every_row_cql: str) -> int:
    """The sum of ``cql`` (a count over the tokens in ``(?, ?]``, then ``values``) over the ring.

    The first slice tells the table's size (``every_row_cql``: the same count without a filter,
    read for a filtered one, which scans every row however few match): a small table's rest is
    counted at once (two statements in all, three with a filter), a large one's slice by slice,
    :data:`COUNT_WINDOW` at a time.
    """
    slices = ring_slices(COUNT_SLICES)
    first = _count(statements.execute(Request(cql, [*slices[0], *values])))
    scanned = first if cql == every_row_cql else _count(statements.execute(Request(every_row_cql, [*slices[0]])))
    if scanned * COUNT_SLICES <= ONE_STATEMENT_ROWS:
        return first + _count(statements.execute(Request(cql, [slices[0][1], _HIGHEST, *values])))
    requests = [Request(cql, [low, high, *values]) for low, high in slices[1:]]
    return first + sum(_count(outcome) for outcome in statements.execute_every(requests, window=COUNT_WINDOW))


def _count(result: Result) -> int:
    found = result.one()
    return int(found["count"]) if found else 0




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
