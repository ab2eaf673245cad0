"""Entity definitions: the one place an entity's fields and rules live."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kong_orm.schema.fields import Field, Kind

KEY_LENGTH = 512
"""Longest text (in characters) of a primary-key or unique field: PostgreSQL's
b-tree index entries hold about 2,700 bytes, and a character takes up to 4 in UTF-8."""
INDEXED_LENGTH = 16_383
"""Longest text of any other ``string`` or ``url`` field: Cassandra indexes every
field a filter may name, and an indexed value holds at most 65,535 bytes."""

RowCheck = Callable[[Mapping[str, Any]], "Mapping[str, str] | None"]
"""An entity-wide rule run on a valid row; returns field -> message, or ``None``."""


@dataclass(frozen=True)
class UniqueTogether:
    """Fields whose combination is unique; ``None`` counts as a value."""

    fields: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Schema:
    """A set of fields plus entity-wide rules (an entity, or a plugin config).

    A ``flexible`` schema describes a table of named entries, each a row of
    these fields (``limits: {video: {second: 10}}``).
    """

    fields: tuple[Field, ...]
    checks: tuple[RowCheck, ...] = ()
    flexible: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]


@dataclass(frozen=True)
class Entity(Schema):
    """A stored entity: a table on SQL, a table (plus claim tables) on Cassandra.

    Text fields get the ``max_length`` the stores allow (:data:`KEY_LENGTH` or
    :data:`INDEXED_LENGTH`), or the shorter one they declare.
    """

    name: str = ""
    primary_key: tuple[str, ...] = ("id",)
    unique_together: tuple[UniqueTogether, ...] = ()
    partition_key: tuple[str, ...] = ()
    """Leading primary-key fields whose rows are stored together (where a store
    distributes rows); the first primary-key field when empty."""

    @property
    def partition_fields(self) -> tuple[str, ...]:
        return self.partition_key or self.primary_key[:1]

    @property
    def counter_fields(self) -> tuple[Field, ...]:
        """Fields changed only by ``increment``: an entity with any is a counter entity."""
        return tuple(f for f in self.fields if f.kind is Kind.COUNTER)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self._limited(f) for f in self.fields))
        super().__post_init__()

    def _limited(self, f: Field) -> Field:
        if f.kind not in (Kind.STRING, Kind.URL):
            return f
        keys = {*self.primary_key, *(name for group in self.unique_together for name in group.fields)}
        limit = KEY_LENGTH if f.unique or f.name in keys else INDEXED_LENGTH
        return replace(f, max_length=min(limit, f.max_length or limit))

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def unique_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.unique)

    @property
    def foreign_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.foreign)
