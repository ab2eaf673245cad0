"""SQLAlchemy declarative models, derived from the entity definitions.

:class:`Models` builds a typed declarative class per entity of a catalog: one
column per field, ``NOT NULL`` where the definition never allows null,
unique constraints and ``ON DELETE CASCADE`` foreign keys named by the
naming convention (so a constraint maps back to its field), plus the
``expire_at`` column that carries TTLs and its partial index.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    MetaData,
    Table,
    Text,
    Uuid,
    cast,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
}
EXPIRE_AT = "expire_at"
"""Hidden column: when a row inserted or updated with a TTL expires (ms since epoch)."""
EXPIRY_INDEX_WHERE = f"{EXPIRE_AT} IS NOT NULL"
"""The predicate of each table's partial ``expire_at`` index: only rows with a TTL."""

JSONDocument = JSON().with_variant(JSONB(), "postgresql")
COLUMN_TYPES: dict[Kind, TypeEngine[Any]] = {
    Kind.ID: Uuid(as_uuid=True),
    Kind.TIMESTAMP: BigInteger(),
    Kind.STRING: Text(),
    Kind.URL: Text(),
    Kind.BOOLEAN: Boolean(),
    Kind.NUMBER: Double(),
    Kind.TABLE: JSONDocument,
    Kind.ARRAY: JSONDocument,
    Kind.COUNTER: BigInteger(),
}
PYTHON_TYPES: dict[Kind, type] = {
    Kind.ID: uuid.UUID,
    Kind.TIMESTAMP: int,
    Kind.STRING: str,
    Kind.URL: str,
    Kind.BOOLEAN: bool,
    Kind.NUMBER: float,
    Kind.TABLE: dict,
    Kind.ARRAY: list,
    Kind.COUNTER: int,
}


class Models:
    """The declarative classes of one catalog, on a registry and metadata of their own.

    Each factory builds its own, so two factories serving different entities
    (or different definitions under one name) never share a table.

    Example: ``Models(catalog)["apis"]`` is the ``Apis`` class; ``models.table("apis")`` its table.
    """

    def __init__(self, catalog: Catalog) -> None:
        metadata = MetaData(naming_convention=NAMING_CONVENTION)
        self.base: type[DeclarativeBase] = type("Base", (DeclarativeBase,), {"metadata": metadata})
        self._classes = {entity.name: _declare(entity, self.base) for entity in catalog.in_dependency_order()}

    @property
    def metadata(self) -> MetaData:
        return self.base.metadata

    def __getitem__(self, name: str) -> type[DeclarativeBase]:
        return self._classes[name]

    def table(self, entity: Entity | str) -> Table:
        """The Core table of ``entity`` (or of the entity of that name)."""
        table: Table = self._classes[entity if isinstance(entity, str) else entity.name].__table__  # type: ignore[assignment]
        return table

    def tables(self, entities: Iterable[Entity]) -> list[Table]:
        return [self.table(entity) for entity in entities]


def _declare(entity: Entity, base: type[DeclarativeBase]) -> type[DeclarativeBase]:
    namespace: dict[str, Any] = {"__tablename__": entity.name, "__annotations__": {}}
    for f in entity.fields:
        python_type = PYTHON_TYPES[f.kind]
        annotation = python_type if not f.nullable or f.name in entity.primary_key else python_type | None
        namespace["__annotations__"][f.name] = Mapped[annotation]  # type: ignore[valid-type]
        namespace[f.name] = _column(f, entity)
    namespace["__annotations__"][EXPIRE_AT] = Mapped[int | None]
    namespace[EXPIRE_AT] = mapped_column(BigInteger(), nullable=True)
    class_name = "".join(part.capitalize() for part in entity.name.split("_"))
    model: type[DeclarativeBase] = type(class_name, (base,), namespace)
    for group in entity.unique_together:
        _unique_together_index(model.__table__, group.fields)  # type: ignore[arg-type]
    _expiry_index(model.__table__)  # type: ignore[arg-type]
    return model


def _column(f: Field, entity: Entity) -> Any:
    args: list[Any] = [COLUMN_TYPES[f.kind]]
    if f.foreign:
        args.append(ForeignKey(f.foreign, ondelete="CASCADE"))
    return mapped_column(
        *args,
        primary_key=f.name in entity.primary_key,
        nullable=f.nullable and f.name not in entity.primary_key,
        unique=f.unique or None,
        index=bool(f.foreign) or None,
    )


def _unique_together_index(table: Table, names: tuple[str, ...]) -> Index:
    # NULL is a value here (a plugin without a consumer is still one per api and
    # name), which a plain UNIQUE constraint would not enforce: compare as text.
    expressions = [
        func.coalesce(cast(table.c[name], Text), "") if table.c[name].nullable else table.c[name]
        for name in names
    ]
    return Index(f"uq_{table.name}_{'_'.join(names)}", *expressions, unique=True)


def _expiry_index(table: Table) -> Index:
    """``ix_<table>_expire_at``: the rows that have a TTL, for counts and purges.

    Partial (``WHERE expire_at IS NOT NULL``), so writes of rows without a TTL do
    not pay for it; a condition ``expire_at <= :now`` implies the predicate, which
    lets SQLite and PostgreSQL read the expired rows through it.
    """
    has_ttl = text(EXPIRY_INDEX_WHERE)
    return Index(expiry_index_name(table.name), table.c[EXPIRE_AT], sqlite_where=has_ttl, postgresql_where=has_ttl)


def expiry_index_name(table: str) -> str:
    return f"ix_{table}_{EXPIRE_AT}"
