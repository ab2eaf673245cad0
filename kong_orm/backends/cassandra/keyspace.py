"""The tables a factory uses in its keyspace: each entity's, and its claim tables."""
from __future__ import annotations

from kong_orm.backends.cassandra.claims import Claims
from kong_orm.backends.cassandra.cql import EntityCql, qualified
from kong_orm.backends.cassandra.statements import Statements
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity


class Keyspace:
    """Statements of every entity of ``catalog`` in keyspace ``name``."""

    def __init__(self, name: str, catalog: Catalog, statements: Statements) -> None:
        self.name = name
        self.catalog = catalog
        self.statements = statements
        self._cql = {entity.name: EntityCql(entity, name) for entity in catalog}
        self._claims = {entity.name: Claims(entity, name, statements) for entity in catalog}

    def cql(self, entity: Entity) -> EntityCql:
        return self._cql[entity.name]

    def claims(self, entity: Entity) -> Claims:
        return self._claims[entity.name]

    def table_names(self) -> list[str]:
        """Every entity and claim table, children first (as dropped)."""
        names = []
        for entity in reversed(self.catalog.in_dependency_order()):
            names += [table.claim.name for table in self.claims(entity).tables]
            names.append(entity.name)
        return names

    def qualified(self, table: str) -> str:
        return qualified(self.name, table)
