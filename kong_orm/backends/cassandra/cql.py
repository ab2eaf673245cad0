"""CQL texts of an entity's table and of its claim tables.

Identifiers come from the entity definitions (quoted where CQL needs it);
values are always bind markers. Tables are named ``keyspace.table``.
"""
from __future__ import annotations

import functools

from cassandra.metadata import protect_name

from kong_orm.backends.cassandra.models import ClaimTable
from kong_orm.schema.entity import Entity


def qualified(keyspace: str, table: str) -> str:
    return f"{protect_name(keyspace)}.{protect_name(table)}"


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(protect_name(name) for name in names)


def _markers(count: int) -> str:
    return ", ".join("?" * count)


def _equal(names: tuple[str, ...], joiner: str = " AND ") -> str:
    return joiner.join(f"{protect_name(name)} = ?" for name in names)


class EntityCql:
    """The statements of one entity's table."""

    def __init__(self, entity: Entity, keyspace: str) -> None:
        self.entity = entity
        self.table = qualified(keyspace, entity.name)
        self.columns = entity.field_names
        self.key = entity.primary_key
        self.values = tuple(name for name in self.columns if name not in self.key)
        self._select = f"SELECT {_names(self.columns)} FROM {self.table}"

    @functools.cached_property
    def select_by_pk(self) -> str:
        return f"{self._select} WHERE {_equal(self.key)}"

    @functools.cached_property
    def select_for_update(self) -> str:
        """The row plus the remaining TTL of each value column (``ttl(<column>)``)."""
        ttls = ", ".join(f"TTL({protect_name(name)})" for name in self.values)
        return f"SELECT {_names(self.columns)}, {ttls} FROM {self.table} WHERE {_equal(self.key)}"

    @functools.lru_cache(maxsize=128)
    def select_where(self, keys: tuple[str, ...]) -> str:
        return self._select + _where(keys)

    @functools.lru_cache(maxsize=128)
    def count_where(self, keys: tuple[str, ...]) -> str:
        return f"SELECT COUNT(*) FROM {self.table}" + _where(keys)

    @functools.lru_cache(maxsize=16)
    def exists_where(self, column: str) -> str:
        """One row whose ``column`` equals a value (the partition key or an indexed column)."""
        return f"SELECT {_names(self.key)} FROM {self.table} WHERE {_equal((column,))} LIMIT 1"

    @functools.cached_property
    def insert(self) -> str:
        """Bind: every column, then the TTL (0 for none)."""
        columns = _names(self.columns)
        return f"INSERT INTO {self.table} ({columns}) VALUES ({_markers(len(self.columns))}) IF NOT EXISTS USING TTL ?"

    @functools.cached_property
    def update(self) -> str:
        """A conditional batch rewriting the whole row if it is still as read.

        The ``INSERT`` renews the row's liveness with the new TTL; the
        ``UPDATE`` sets every value column. Bind: key, TTL, TTL, values,
        key, old values.
        """
        marker = f"INSERT INTO {self.table} ({_names(self.key)}) VALUES ({_markers(len(self.key))}) USING TTL ?"
        values = _equal(self.values, ", ")
        rewrite = f"UPDATE {self.table} USING TTL ? SET {values} WHERE {_equal(self.key)} IF {_equal(self.values)}"
        return f"BEGIN BATCH {marker}; {rewrite}; APPLY BATCH"

    @functools.cached_property
    def delete(self) -> str:
        return f"DELETE FROM {self.table} WHERE {_equal(self.key)} IF EXISTS"

    @functools.cached_property
    def truncate(self) -> str:
        return f"TRUNCATE {self.table}"


def _where(keys: tuple[str, ...]) -> str:
    if not keys:
        return ""
    filtering = " ALLOW FILTERING" if len(keys) > 1 else ""
    return f" WHERE {_equal(keys)}{filtering}"


class ClaimCql:
    """The statements of one claim table."""

    def __init__(self, claim: ClaimTable, keyspace: str) -> None:
        self.claim = claim
        self.table = qualified(keyspace, claim.name)
        self.owners = tuple(column for column, _ in claim.owner_columns)

    @functools.cached_property
    def claim_new(self) -> str:
        """Claim a free value. Bind: TTL, owner key, claimed_at, value."""
        return f"{self._set_owner} IF {protect_name(self.owners[0])} = null"

    @functools.cached_property
    def claim_or_renew(self) -> str:
        """Claim a free value, or renew one's own claim with a new TTL.

        Bind: TTL, owner key, claimed_at, value, owner key again.
        """
        owned = " AND ".join(f"{protect_name(name)} IN (null, ?)" for name in self.owners)
        return f"{self._set_owner} IF {owned}"

    @functools.cached_property
    def _set_owner(self) -> str:
        setting = _equal((*self.owners, "claimed_at"), ", ")
        return f"UPDATE {self.table} USING TTL ? SET {setting} WHERE value = ?"

    @functools.cached_property
    def holder(self) -> str:
        """Who holds a value since when. Bind: value."""
        return f"SELECT {_names((*self.owners, 'claimed_at'))} FROM {self.table} WHERE value = ?"

    @functools.cached_property
    def take_over(self) -> str:
        """Take a value from a holder that is still as read.

        Bind: TTL, owner key, claimed_at, value, old owner key, old claimed_at.
        """
        return f"{self._set_owner} IF {_equal((*self.owners, 'claimed_at'))}"

    @functools.cached_property
    def release(self) -> str:
        """Bind: value, owner key."""
        return f"DELETE FROM {self.table} WHERE value = ? IF {_equal(self.owners)}"

    @functools.cached_property
    def truncate(self) -> str:
        return f"TRUNCATE {self.table}"
