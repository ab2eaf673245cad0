"""Entity definitions: the one place an entity's fields and rules live."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kong_orm.schema.fields import Field, Kind

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
    """A stored entity: a table on SQL, a table (plus claim tables) on Cassandra."""

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

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def unique_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.unique)

    @property
    def foreign_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.foreign)
