"""What a factory can serve: entities (core and plugin) and backends by name."""
from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kong_orm.schema.entities import CORE_ENTITIES
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field

if TYPE_CHECKING:
    from kong_orm.backend import Backend
    from kong_orm.config import Config

_BACKENDS: dict[str, str] = {
    "sqlite": "kong_orm.backends.sql:SQLBackend",
    "postgres": "kong_orm.backends.sql:SQLBackend",
    "cassandra": "kong_orm.backends.cassandra:CassandraBackend",
}


def register_backend(database: str, target: str) -> None:
    """Serve ``database`` configs with the ``"module:Class"`` backend ``target``."""
    _BACKENDS[database] = target


def open_backend(config: Config, catalog: Catalog) -> Backend:
    """Import the backend the config names (drivers load only when needed) and open it."""
    try:
        module_name, class_name = _BACKENDS[config.database].split(":")
    except KeyError:
        raise ValueError(f"unknown database {config.database!r}; known: {sorted(_BACKENDS)}") from None
    backend_class = getattr(importlib.import_module(module_name), class_name)
    backend: Backend = backend_class(config, catalog)
    return backend


@dataclass(frozen=True)
class Child:
    """An entity whose ``field`` references a parent entity: deleted with it."""

    entity: Entity
    field: Field


class Catalog:
    """The entities of one factory, and the foreign-key graph between them."""

    def __init__(self, entities: Iterable[Entity] = CORE_ENTITIES) -> None:
        self._entities = {entity.name: entity for entity in entities}
        for entity in self._entities.values():
            for f in entity.foreign_fields:
                if f.foreign_entity not in self._entities:
                    raise ValueError(f"{entity.name}.{f.name} references unknown entity {f.foreign_entity!r}")

    def __getitem__(self, name: str) -> Entity:
        return self._entities[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entities

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._entities.values())

    def children(self, parent: Entity) -> list[Child]:
        """Entities that reference ``parent`` directly."""
        return [
            Child(entity, f)
            for entity in self._entities.values()
            for f in entity.foreign_fields
            if f.foreign_entity == parent.name
        ]

    def in_dependency_order(self) -> list[Entity]:
        """Parents before children (for creating tables)."""
        ordered: dict[str, Entity] = {}

        def visit(entity: Entity) -> None:
            if entity.name in ordered:
                return
            for f in entity.foreign_fields:
                assert f.foreign_entity is not None
                visit(self._entities[f.foreign_entity])
            ordered[entity.name] = entity

        for entity in self._entities.values():
            visit(entity)
        return list(ordered.values())
