"""Page positions: the driver's paging state, with a check that it belongs to the query.

The server drops the whole connection when it is handed a paging state it
cannot read. Offsets are authenticated (:mod:`kong_orm.paging`), so only
positions made by kong_orm under the factory's key get here; the digest of
the CQL text also refuses one made for another statement under the same key
(another keyspace, another release), as an invalid offset, before it is sent.
"""
from __future__ import annotations

import hashlib

from kong_orm.paging import invalid_offset

_DIGEST_SIZE = 8


def _digest(paging_state: bytes, cql: str) -> bytes:
    digest = hashlib.blake2b(cql.encode(), digest_size=_DIGEST_SIZE)
    digest.update(b"\0" + paging_state)
    return digest.digest()


def pack(paging_state: bytes, cql: str) -> bytes:
    """The position of the page after ``paging_state`` of the query ``cql``."""
    return paging_state + _digest(paging_state, cql)


def unpack(position: bytes, cql: str) -> bytes:
    """The paging state in ``position``; a :class:`SchemaError` if ``cql`` did not make it."""
    paging_state, digest = position[:-_DIGEST_SIZE], position[-_DIGEST_SIZE:]
    if not paging_state or _digest(paging_state, cql) != digest:
        raise invalid_offset()
    return paging_state
