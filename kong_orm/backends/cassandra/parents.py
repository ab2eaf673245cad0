"""Foreign keys on Cassandra: the rows a new or changed row references, read
before its write and again, at the serial consistency, after it.

Parents are deleted by lightweight transaction, so a serial read sees a
delete once it is applied: a parent found by the re-read is deleted later and
its cascade finds the child; one not found was deleted meanwhile, and the
writer removes its row (see :class:`~kong_orm.backends.cassandra.repository.CassandraRepository`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kong_orm.backends.cassandra.codec import encode
from kong_orm.backends.cassandra.keyspace import Keyspace
from kong_orm.backends.cassandra.reads import NO_TTL, remaining_ttl
from kong_orm.backends.cassandra.statements import Request
from kong_orm.errors import ForeignKeyError
from kong_orm.registry import Catalog
from kong_orm.repository import Row
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field


class Parents:
    """The parent reads of one entity's rows; each read of several parents is one concurrent round trip."""

    def __init__(self, entity: Entity, catalog: Catalog, keyspace: Keyspace) -> None:
        self.entity = entity
        self.catalog = catalog
        self._keyspace = keyspace
        self._statements = keyspace.statements

    def check(self, new: Row, old: Row | None, ttl: int, *, renewing: bool = True) -> int:
        """Raise :class:`ForeignKeyError` for each referenced row (new or changed) that is missing;
        return ``ttl`` cut to the shortest remaining TTL of the parents read (0: none).

        :param renewing: ``ttl`` is new for the row, so every parent is read to cut it.
        """
        fields = self._referenced(new, old, every=renewing and ttl != NO_TTL)
        outcomes = self._read_parents(new, fields, linearizable=False)
        missing = {f.name: new[f.name] for f, found in zip(fields, outcomes) if found is None}
        if missing:
            raise ForeignKeyError.for_values(missing)
        for found in outcomes:
            ttl = capped_ttl(ttl, remaining_ttl(found or {}))
        return ttl

    def missing_after_write(self, new: Row, old: Row | None) -> dict[str, Any]:
        """After the write: the parents ``new`` gained, read again at the serial consistency,
        that are gone (field -> value): one deleted meanwhile means the row must go too."""
        fields = self._referenced(new, old, every=False)
        outcomes = self._read_parents(new, fields, linearizable=True)
        return {f.name: new[f.name] for f, found in zip(fields, outcomes) if found is None}

    def check_new(self, rows: list[Row], ttl: int) -> list[int]:
        """:meth:`check` for new rows, each parent read once: the TTL of each row."""
        found = self._parents_of(rows, linearizable=False)
        self._raise_missing(rows, found)
        ttls = []
        for row in rows:
            row_ttl = ttl
            for key in self._parent_keys(row):
                row_ttl = capped_ttl(row_ttl, remaining_ttl(found[key] or {}))
            ttls.append(row_ttl)
        return ttls

    def recheck_new(self, rows: list[Row]) -> None:
        """:meth:`missing_after_write` for new rows, raising for the missing ones (the caller
        removes the rows)."""
        self._raise_missing(rows, self._parents_of(rows, linearizable=True))

    def _parents_of(self, rows: list[Row], *, linearizable: bool) -> dict[tuple[str, Any], Row | None]:
        """Every parent the rows reference, read once, by (foreign field, value)."""
        keys = list(dict.fromkeys(key for row in rows for key in self._parent_keys(row)))
        fields = [self.entity[name] for name, _ in keys]
        requests = [
            self._parent_request(f.foreign_entity or "", f.foreign_field or "id", value, linearizable)
            for f, (_, value) in zip(fields, keys)
        ]
        return {key: outcome.one() for key, outcome in zip(keys, self._statements.execute_every(requests))}

    def _parent_keys(self, row: Row) -> list[tuple[str, Any]]:
        return [(f.name, row[f.name]) for f in self.entity.foreign_fields if row.get(f.name) is not None]

    def _raise_missing(self, rows: list[Row], found: dict[tuple[str, Any], Row | None]) -> None:
        missing = {
            f"rows[{index}].{name}": value
            for index, row in enumerate(rows)
            for name, value in self._parent_keys(row)
            if found[name, value] is None
        }
        if missing:
            raise ForeignKeyError.for_values(missing)

    def _referenced(self, new: Row, old: Row | None, *, every: bool) -> list[Field]:
        """Foreign fields of ``new`` that are set, and (unless ``every``) new or changed."""
        return [
            f for f in self.entity.foreign_fields
            if new.get(f.name) is not None and (every or old is None or old.get(f.name) != new[f.name])
        ]

    def _read_parents(self, new: Row, fields: Sequence[Field], *, linearizable: bool) -> list[Row | None]:
        requests = [
            self._parent_request(f.foreign_entity or "", f.foreign_field or "id", new[f.name], linearizable)
            for f in fields
        ]
        return [outcome.one() for outcome in self._statements.execute_every(requests)]

    def _parent_request(self, entity_name: str, field: str, value: Any, linearizable: bool) -> Request:
        parent = self.catalog[entity_name]
        cql = self._keyspace.cql(parent).exists_where(field)
        return Request(cql, [encode(parent[field], value)], linearizable=linearizable)


def capped_ttl(ttl: int, parent_ttl: int) -> int:
    """The TTL of a row under a parent with ``parent_ttl`` seconds left (0: no TTL)."""
    if parent_ttl == NO_TTL:
        return ttl
    return parent_ttl if ttl == NO_TTL else min(ttl, parent_ttl)
