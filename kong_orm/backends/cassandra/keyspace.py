"""The tables a factory uses in its keyspace: a cqlengine model per entity and
per claim table, and the statements built from them."""
from __future__ import annotations

from typing import Any

from kong_orm.backends.cassandra.cascades import Cascades
from kong_orm.backends.cassandra.claims import Claims
from kong_orm.backends.cassandra.cql import ClaimCql, EntityCql, qualified
from kong_orm.backends.cassandra.expiries import Expiries
from kong_orm.backends.cassandra.models import (
    CASCADES,
    EXPIRIES,
    claim_tables,
    declare,
    declare_cascades,
    declare_claim,
    declare_expiries,
)
from kong_orm.backends.cassandra.statements import Statements
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity


class Keyspace:
    """The models of every entity of ``catalog`` in keyspace ``name``, bound to
    the cqlengine connection ``connection``, and their statements."""

    def __init__(self, name: str, catalog: Catalog, statements: Statements, connection: str | None = None) -> None:
        self.name = name
        self.catalog = catalog
        self.statements = statements
        bound: dict[str, Any] = {"keyspace": name, "connection": connection}
        self.models = {entity.name: declare(entity, **bound) for entity in catalog}
        claims = [claim for entity in catalog for claim in claim_tables(entity)]
        self.claim_models = {claim.name: declare_claim(claim, **bound) for claim in claims}
        self.expiries_model = declare_expiries(**bound)
        self.expiries = Expiries(self.expiries_model.column_family_name(), catalog, statements)
        self.cascades_model = declare_cascades(**bound)
        self.cascades = Cascades(self.cascades_model.column_family_name(), catalog, statements)
        self._cql = {name: EntityCql(model) for name, model in self.models.items()}
        self._claims = {
            entity.name: Claims(
                entity,
                self._cql[entity.name],
                [ClaimCql(claim, self.claim_models[claim.name]) for claim in claim_tables(entity)],
                statements,
            )
            for entity in catalog
        }

    def models_of(self, entity: Entity) -> list[Any]:
        """The model of ``entity``'s table and of each of its claim tables."""
        return [self.models[entity.name], *(self.claim_models[claim.name] for claim in claim_tables(entity))]

    def cql(self, entity: Entity) -> EntityCql:
        return self._cql[entity.name]

    def claims(self, entity: Entity) -> Claims:
        return self._claims[entity.name]

    def table_names(self) -> list[str]:
        """Every entity and claim table, children first (as dropped), then :data:`EXPIRIES`
        and :data:`CASCADES`."""
        names = []
        for entity in reversed(self.catalog.in_dependency_order()):
            names += [table.claim.name for table in self.claims(entity).tables]
            names.append(entity.name)
        return [*names, EXPIRIES, CASCADES]

    def qualified(self, table: str) -> str:
        return qualified(self.name, table)
