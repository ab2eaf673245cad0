"""CQL texts of a table, built from its cqlengine model.

Table and column names come from the model (``column_family_name()``, each
column's ``db_field_name``, its partition and clustering keys), quoted where
CQL needs it; values are always bind markers. Tables are named
``keyspace.table``. Texts are built once per instance and kept on it.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from cassandra.cqlengine import columns
from cassandra.metadata import protect_name

from kong_orm.backends.cassandra.models import CLAIMED_AT, INDEX_CLASS, VALUE, ClaimTable, index_name


def qualified(keyspace: str, table: str) -> str:
    return f"{protect_name(keyspace)}.{protect_name(table)}"


def column_names(model: Any) -> tuple[str, ...]:
    """The model's columns as stored, in table order."""
    return tuple(column.db_field_name for column in model._columns.values())


def key_names(model: Any) -> tuple[str, ...]:
    """The model's primary key as stored: partition key, then clustering columns."""
    keys = [*model._partition_keys.values(), *model._clustering_keys.values()]
    return tuple(column.db_field_name for column in keys)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(protect_name(name) for name in names)


def _markers(count: int) -> str:
    return ", ".join("?" * count)


def _equal(names: tuple[str, ...], joiner: str = " AND ") -> str:
    return joiner.join(f"{protect_name(name)} = ?" for name in names)


class _Memo:
    """Texts that depend on an argument, kept per instance (so a closed factory is not kept alive)."""

    def __init__(self, build: Callable[[Any], str]) -> None:
        self._build = build
        self._texts: dict[Any, str] = {}

    def __call__(self, argument: Any) -> str:
        text = self._texts.get(argument)
        if text is None:
            text = self._texts[argument] = self._build(argument)
        return text


class EntityCql:
    """The statements of one entity's table."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.table: str = model.column_family_name()
        self.columns = column_names(model)
        self.key = key_names(model)
        self.values = tuple(name for name in self.columns if name not in self.key)
        self.indexed = frozenset(c.db_field_name for c in model._columns.values() if c.index)
        self.partition = frozenset(c.db_field_name for c in model._partition_keys.values())
        self._select = f"SELECT {_names(self.columns)} FROM {self.table}"
        ttls = "".join(f", TTL({protect_name(name)})" for name in self.values)
        self.select_where = _Memo(lambda keys: self._select + self._where(keys))
        self.select_with_ttls_where = _Memo(
            lambda keys: f"SELECT {_names(self.columns)}{ttls} FROM {self.table}" + self._where(keys)
        )
        self.count_where = _Memo(lambda keys: f"SELECT COUNT(*) FROM {self.table}" + self._where(keys))
        self.count_slice_where = _Memo(self._count_slice_where)
        self.exists_where = _Memo(self._exists_where)

    def _where(self, keys: tuple[str, ...]) -> str:
        """Equalities on ``keys``. Indexed fields (any number: storage-attached
        indexes combine) or the partition key are looked up; any other field
        makes the server scan and filter (``ALLOW FILTERING``)."""
        if not keys:
            return ""
        looked_up = set(keys) <= self.indexed or set(keys) == self.partition
        return f" WHERE {_equal(keys)}" + ("" if looked_up else " ALLOW FILTERING")

    def scans(self, keys: tuple[str, ...]) -> bool:
        """Whether a read filtered on ``keys`` goes through the whole table (no lookup serves it)."""
        return not keys or not (set(keys) <= self.indexed or set(keys) == self.partition)

    def _count_slice_where(self, keys: tuple[str, ...]) -> str:
        """:attr:`count_where` over the partitions whose token is in ``(?, ?]``: one slice of a
        count that scans. Bind: the two tokens, then the values of ``keys``."""
        token = f"token({_names(self.partition_key)})"
        condition = f"{token} > ? AND {token} <= ?" + (f" AND {_equal(keys)} ALLOW FILTERING" if keys else "")
        return f"SELECT COUNT(*) FROM {self.table} WHERE {condition}"

    @functools.cached_property
    def partition_key(self) -> tuple[str, ...]:
        """The partition key's columns, in order."""
        return tuple(c.db_field_name for c in self.model._partition_keys.values())

    @functools.cached_property
    def select_by_pk(self) -> str:
        return f"{self._select} WHERE {_equal(self.key)}"

    @functools.cached_property
    def select_for_update(self) -> str:
        """The row plus the remaining TTL of each value column (``ttl(<column>)``)."""
        ttls = ", ".join(f"TTL({protect_name(name)})" for name in self.values)
        return f"SELECT {_names(self.columns)}, {ttls} FROM {self.table} WHERE {_equal(self.key)}"

    def _exists_where(self, column: str) -> str:
        """One row whose ``column`` equals a value, with the remaining TTL of each value column."""
        ttls = "".join(f", TTL({protect_name(name)})" for name in self.values)
        filtering = "" if column == self.key[0] else " ALLOW FILTERING"
        return f"SELECT {_names(self.key)}{ttls} FROM {self.table} WHERE {_equal((column,))} LIMIT 1{filtering}"

    @functools.cached_property
    def insert(self) -> str:
        """Bind: every column, then the TTL (0 for none)."""
        columns = _names(self.columns)
        return f"INSERT INTO {self.table} ({columns}) VALUES ({_markers(len(self.columns))}) IF NOT EXISTS USING TTL ?"

    @functools.cached_property
    def insert_fresh(self) -> str:
        """An insert of a row whose key was just generated (so it cannot exist): no transaction.

        Bind as :attr:`insert`.
        """
        columns = _names(self.columns)
        return f"INSERT INTO {self.table} ({columns}) VALUES ({_markers(len(self.columns))}) USING TTL ?"

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
        if self.counts:  # counter tables take no lightweight transactions
            return f"DELETE FROM {self.table} WHERE {_equal(self.key)}"
        return f"DELETE FROM {self.table} WHERE {_equal(self.key)} IF EXISTS"

    @functools.cached_property
    def counts(self) -> bool:
        """Whether this is a counter table (its value columns are counters)."""
        return any(isinstance(column, columns.Counter) for column in self.model._columns.values())

    @functools.cached_property
    def increment(self) -> str:
        """Add to each counter of a row (created at zero). Bind: the amounts, then the key."""
        added = ", ".join(f"{protect_name(name)} = {protect_name(name)} + ?" for name in self.values)
        return f"UPDATE {self.table} SET {added} WHERE {_equal(self.key)}"


def create_table_cql(model: Any) -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` for the model's table, then one ``CREATE INDEX`` per indexed column."""
    table = model.column_family_name()
    columns_ = ", ".join(f"{protect_name(c.db_field_name)} {c.db_type}" for c in model._columns.values())
    partition = _names(tuple(c.db_field_name for c in model._partition_keys.values()))
    clustering = tuple(c.db_field_name for c in model._clustering_keys.values())
    key = ", ".join([f"({partition})", *(protect_name(name) for name in clustering)])
    texts = [f"CREATE TABLE IF NOT EXISTS {table} ({columns_}, PRIMARY KEY ({key}))"]
    for column in model._columns.values():
        if column.index:
            texts.append(create_index_cql(model, column.db_field_name))
    return texts


def create_index_cql(model: Any, column: str) -> str:
    """``CREATE CUSTOM INDEX IF NOT EXISTS`` (storage-attached) on ``column`` of the model's table."""
    name = protect_name(index_name(model.__table_name__, column))
    table = model.column_family_name()
    return f"CREATE CUSTOM INDEX IF NOT EXISTS {name} ON {table} ({protect_name(column)}) USING '{INDEX_CLASS}'"


class ClaimCql:
    """The statements of one claim table: ``value`` is the key, the columns
    between it and ``claimed_at`` name the owner."""

    def __init__(self, claim: ClaimTable, model: Any) -> None:
        self.claim = claim
        self.model = model
        self.table: str = model.column_family_name()
        self.owners = tuple(name for name in column_names(model) if name not in (VALUE, CLAIMED_AT))
        setting = _equal((*self.owners, CLAIMED_AT), ", ")
        self._set_owner = f"UPDATE {self.table} USING TTL ? SET {setting} WHERE value = ?"

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
    def holder(self) -> str:
        """Who holds a value since when. Bind: value."""
        return f"SELECT {_names((*self.owners, CLAIMED_AT))} FROM {self.table} WHERE value = ?"

    @functools.cached_property
    def take_over(self) -> str:
        """Take a value from a holder that is still as read.

        Bind: TTL, owner key, claimed_at, value, old owner key, old claimed_at.
        """
        return f"{self._set_owner} IF {_equal((*self.owners, CLAIMED_AT))}"

    @functools.cached_property
    def release(self) -> str:
        """Bind: value, owner key."""
        return f"DELETE FROM {self.table} WHERE value = ? IF {_equal(self.owners)}"
