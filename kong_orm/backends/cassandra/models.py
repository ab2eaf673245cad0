"""cqlengine models derived from the entity definitions: the one description
of every table the Cassandra backend uses.

``declare(entity, ...)`` builds a ``Model`` with one column per field: the
first primary-key field is the partition key, the others clustering
columns, and the columns lookups go through (foreign keys, unique fields,
the few fields Kong's DAOs filter on) carry a storage-attached index (SAI).
A filter on any other field is a filtered scan (``ALLOW FILTERING``). ``claim_tables(entity)`` names one table per
unique field and per :class:`~kong_orm.schema.entity.UniqueTogether` group,
and ``declare_claim`` its model: a row there, written with a lightweight
transaction, reserves a value for the row that owns it.

Statements (``cql.py``) are built from these models; the migrations in
``migrations/`` create exactly these tables, which a test checks against
the live schema.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cassandra.cqlengine import columns
from cassandra.cqlengine.models import BaseModel, Model

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

COLUMN_TYPES: dict[Kind, type[columns.Column]] = {
    Kind.ID: columns.UUID,
    Kind.TIMESTAMP: columns.DateTime,
    Kind.STRING: columns.Text,
    Kind.BOOLEAN: columns.Boolean,
    Kind.NUMBER: columns.Double,
    Kind.URL: columns.Text,
    Kind.TABLE: columns.Text,
    Kind.ARRAY: columns.Text,
    Kind.COUNTER: columns.Counter,
}
"""How each kind is stored; tables and arrays as JSON text, as Kong did."""

_NOT_FILTERABLE = (Kind.TABLE, Kind.ARRAY)
VALUE = "value"
CLAIMED_AT = "claimed_at"
OWNER_PREFIX = "owner_"
MAX_NAME = 48


LOOKUP_FIELDS: dict[str, tuple[str, ...]] = {"plugins": ("name",)}
"""Fields, neither unique nor foreign, that Kong's DAOs look rows up by."""

INDEX_CLASS = "StorageAttachedIndex"
"""Cassandra 5.0's storage-attached index: smaller and cheaper to write than a
legacy secondary index, and several of them combine in one query."""


def indexed_fields(entity: Entity) -> tuple[Field, ...]:
    """Fields lookups go through, but not the partition key: each gets an index.

    Foreign keys (cascades, ``find_all`` of a parent's children), unique
    fields and the fields of unique groups (lookups by value), and the
    entity's :data:`LOOKUP_FIELDS`. Counter tables get none: they are read
    by their whole key.
    """
    if entity.counter_fields:
        return ()
    wanted = {f.name for f in entity.fields if f.foreign or f.unique}
    wanted |= {name for group in entity.unique_together for name in group.fields}
    wanted |= set(LOOKUP_FIELDS.get(entity.name, ()))
    partition = entity.partition_fields
    return tuple(
        f for f in entity.fields if f.name in wanted and f.kind not in _NOT_FILTERABLE and f.name not in partition
    )


def index_name(table: str, column: str) -> str:
    """The name Cassandra itself gives an unnamed index."""
    return f"{table}_{column}_idx"


@dataclass(frozen=True)
class ClaimTable:
    """Reservations of one unique field (or group of fields) of an entity.

    Its model (:func:`declare_claim`) has ``value``, the field's value (for
    a group, the JSON list of its values, ``null`` included); ``owner_<pk>``,
    the primary key of the row holding it; ``claimed_at``, when it was claimed.
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
        if f.kind is Kind.COUNTER:  # never a key nor indexed
            attrs[_attribute(f.name)] = columns.Counter(db_field=f.name)
            continue
        attrs[_attribute(f.name)] = COLUMN_TYPES[f.kind](
            db_field=f.name,
            partition_key=f.name in entity.partition_fields,
            primary_key=f.name in entity.primary_key,
            index=f.name in indexed,
        )
    return _model(entity.name, attrs, keyspace, connection)


def declare_claim(claim: ClaimTable, *, keyspace: str, connection: str | None = None) -> type[Model]:
    """The cqlengine model of a claim table, keyed by ``value``."""
    entity = claim.entity
    value_type = columns.Text if claim.is_group else COLUMN_TYPES[entity[claim.fields[0]].kind]
    attrs: dict[str, Any] = {_attribute(VALUE): value_type(db_field=VALUE, partition_key=True)}
    for name in entity.primary_key:
        column = OWNER_PREFIX + name
        attrs[_attribute(column)] = COLUMN_TYPES[entity[name].kind](db_field=column)
    attrs[_attribute(CLAIMED_AT)] = columns.DateTime(db_field=CLAIMED_AT)
    return _model(claim.name, attrs, keyspace, connection)


EXPIRIES = "expiries"
"""The table of rows written with a TTL, read by purges (see :mod:`expiries`)."""


def declare_expiries(*, keyspace: str, connection: str | None = None) -> type[Model]:
    """The cqlengine model of :data:`EXPIRIES`: per row written with a TTL (``entity``, its key
    as JSON in ``row_key``), when it expires (``expire_at``, ms, indexed for range lookups) and
    the row as written (``snapshot``, JSON)."""
    attrs: dict[str, Any] = {
        "entity": columns.Text(partition_key=True),
        "row_key": columns.Text(partition_key=True),
        "expire_at": columns.BigInt(index=True),
        "snapshot": columns.Text(),
    }
    return _model(EXPIRIES, attrs, keyspace, connection)


CASCADES = "cascades"
"""The table of cascades under way, read by purges (see :mod:`cascades`)."""


def declare_cascades(*, keyspace: str, connection: str | None = None) -> type[Model]:
    """The cqlengine model of :data:`CASCADES`: per row whose delete is under way and whose
    entity has children (``entity``, its key as JSON in ``row_key``), the row (``snapshot``, JSON)."""
    attrs: dict[str, Any] = {
        "entity": columns.Text(partition_key=True),
        "row_key": columns.Text(partition_key=True),
        "snapshot": columns.Text(),
    }
    return _model(CASCADES, attrs, keyspace, connection)


def _attribute(column: str) -> str:
    """A model attribute for ``column`` that does not shadow cqlengine's own."""
    return f"{column}_" if column in BaseModel.__dict__ else column


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
