"""cqlengine models derived from the entity definitions, plus claim tables.

``declare(entity, ...)`` builds a ``Model`` with one column per field: the
first primary-key field is the partition key, the others clustering
columns, and every column a filter may name (except the partition key)
carries a secondary index. ``claim_tables(entity)`` describes one table per
unique field and per :class:`~kong_orm.schema.entity.UniqueTogether` group:
a row there, written with a lightweight transaction, reserves a value for
the row that owns it.

The migrations in ``migrations/`` create exactly these tables; a test checks
that the live schema, the models and the definitions agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import BaseModel, Model

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

CQL_TYPES: dict[Kind, str] = {
    Kind.ID: "uuid",
    Kind.TIMESTAMP: "timestamp",
    Kind.STRING: "text",
    Kind.BOOLEAN: "boolean",
    Kind.NUMBER: "double",
    Kind.URL: "text",
    Kind.TABLE: "text",
    Kind.ARRAY: "text",
}
"""How each kind is stored; tables and arrays as JSON text, as Kong did."""

_COLUMNS: dict[str, type[columns.Column]] = {
    "uuid": columns.UUID,
    "timestamp": columns.DateTime,
    "text": columns.Text,
    "boolean": columns.Boolean,
    "double": columns.Double,
}
_NOT_FILTERABLE = (Kind.TABLE, Kind.ARRAY)
CLAIMED_AT = "claimed_at"
MAX_NAME = 48


def cql_type(f: Field) -> str:
    return CQL_TYPES[f.kind]


def indexed_fields(entity: Entity) -> tuple[Field, ...]:
    """Fields a filter may name that are not the partition key: each gets an index."""
    partition_key = entity.primary_key[0]
    return tuple(f for f in entity.fields if f.kind not in _NOT_FILTERABLE and f.name != partition_key)


def index_name(table: str, column: str) -> str:
    """The name Cassandra itself gives an unnamed index."""
    return f"{table}_{column}_idx"


@dataclass(frozen=True)
class ClaimTable:
    """Reservations of one unique field (or group of fields) of an entity.

    ``value`` holds the field's value (for a group, the JSON list of its
    values, ``null`` included); ``owner_<pk>`` the primary key of the row
    holding it; ``claimed_at`` when it was claimed.
    """

    entity: Entity
    fields: tuple[str, ...]
    message: str | None = None

    @property
    def name(self) -> str:
        return f"{self.entity.name}_{'_'.join(self.fields)}_claims"

    @property
    def is_group(self) -> bool:
        return self.message is not None

    @property
    def value_type(self) -> str:
        return "text" if self.is_group else cql_type(self.entity[self.fields[0]])

    @property
    def owner_columns(self) -> tuple[tuple[str, str], ...]:
        """``(column, primary-key field)`` pairs."""
        return tuple((f"owner_{name}", name) for name in self.entity.primary_key)

    def columns(self) -> list[tuple[str, str]]:
        """``(column, CQL type)`` in table order, the ``value`` key first."""
        owners = [(column, cql_type(self.entity[name])) for column, name in self.owner_columns]
        return [("value", self.value_type), *owners, (CLAIMED_AT, "timestamp")]


def claim_tables(entity: Entity) -> tuple[ClaimTable, ...]:
    """One claim table per unique field, then one per unique group."""
    singles = tuple(ClaimTable(entity, (f.name,)) for f in entity.unique_fields)
    groups = tuple(ClaimTable(entity, group.fields, group.message) for group in entity.unique_together)
    for claim in singles + groups:
        if len(claim.name) > MAX_NAME:
            raise ValueError(f"claim table name {claim.name!r} is longer than {MAX_NAME} characters")
    return singles + groups


def declare(entity: Entity, *, keyspace: str, connection: str | None = None) -> type[Model]:
    """The cqlengine model of ``entity`` in ``keyspace``, bound to a named connection."""
    indexed = {f.name for f in indexed_fields(entity)}
    attrs: dict[str, Any] = {}
    for f in entity.fields:
        attrs[_attribute(f.name)] = _column(
            cql_type(f),
            f.name,
            partition_key=f.name == entity.primary_key[0],
            primary_key=f.name in entity.primary_key,
            index=f.name in indexed,
        )
    return _model(entity.name, attrs, keyspace, connection)


def declare_claim(claim: ClaimTable, *, keyspace: str, connection: str | None = None) -> type[Model]:
    """The cqlengine model of a claim table."""
    attrs = {
        _attribute(column): _column(kind, column, partition_key=column == "value", primary_key=column == "value")
        for column, kind in claim.columns()
    }
    return _model(claim.name, attrs, keyspace, connection)


def _attribute(column: str) -> str:
    """A model attribute for ``column`` that does not shadow cqlengine's own."""
    return f"{column}_" if column in BaseModel.__dict__ else column


def _column(kind: str, name: str, **options: bool) -> Any:
    return _COLUMNS[kind](db_field=name, **options)


def _model(table: str, attrs: dict[str, Any], keyspace: str, connection: str | None) -> type[Model]:
    class_name = "".join(part.capitalize() for part in table.split("_")) + "Model"
    body = {
        **attrs,
        "__module__": __name__,
        "__table_name__": table,
        "__keyspace__": keyspace,
        "__connection__": connection,
    }
    model: type[Model] = type(class_name, (Model,), body)
    return model
