"""What a factory can serve: entities (core, plugins', the service's own) and backends by name."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kong_orm.errors import ConfigError
from kong_orm.schema.entities import APIS, CONSUMERS, CORE_ENTITIES, NODES
from kong_orm.schema.entities.plugins import plugins_entity
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field

if TYPE_CHECKING:
    from kong_orm.backend import Backend
    from kong_orm.config import Config
    from kong_orm.plugins.registry import Plugin

CORE_NAMES = frozenset(entity.name for entity in CORE_ENTITIES)

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


CORE = "core"
"""The component of the core entities."""
OWN = ""
"""The component of a service's own entities (given to the factory, not by a plugin)."""
OWN_LABEL = "service"
"""How migration reports name the component of a service's own entities."""


class Catalog:
    """The entities of one factory, who brings each, and the foreign-key graph between them.

    :param entities: core entities and the service's own.
    :param plugins: the plugins served; their entities join the catalog.
    :raises ConfigError: two different entities share a name, or a foreign
        key cannot work: it names an entity or field the catalog lacks, a field
        of another kind or that identifies no single row, or the foreign keys
        form a cycle (an entity referencing itself included).
    """

    def __init__(self, entities: Iterable[Entity] = CORE_ENTITIES, *, plugins: Iterable[Plugin] = ()) -> None:
        self.plugins = tuple(plugins)
        self._entities: dict[str, Entity] = {}
        self._owners: dict[str, str] = {}
        for entity in entities:
            self._add(entity, CORE if entity.name in CORE_NAMES else OWN)
        for plugin in self.plugins:
            for entity in plugin.entities:
                self._add(entity, plugin.name)
        for entity in self._entities.values():
            for f in entity.foreign_fields:
                self._check_reference(entity, f)
        _refuse_cycles(self._entities)
        self._children: dict[str, list[Child]] = {}
        for entity in self._entities.values():
            for f in entity.foreign_fields:
                self._children.setdefault(str(f.foreign_entity), []).append(Child(entity, f))

    @classmethod
    def serving(cls, plugins: Iterable[str | Plugin] | str | None = None, entities: Iterable[Entity] = ()) -> Catalog:
        """The catalog of a factory: core entities, the selected plugins' (every known
        plugin's by default), and the service's own ``entities``.

        :raises ConfigError: an unknown plugin name.
        """
        from kong_orm.plugins.registry import plugin_lookup, select_plugins

        selected = select_plugins(plugins)
        core = (APIS, CONSUMERS, plugins_entity(plugin_lookup(selected)), NODES)
        return cls([*core, *entities], plugins=selected)

    def with_every_known_plugin(self) -> Catalog:
        """This catalog plus every plugin this process knows: what a schema drop must cover,
        since a store may hold tables of plugins this factory does not serve."""
        from kong_orm.plugins.registry import registered_plugins

        own = [entity for entity in self if self.owner(entity) == OWN]
        return Catalog.serving([*registered_plugins(), *self.plugins], own)

    def _add(self, entity: Entity, owner: str) -> None:
        known = self._entities.get(entity.name)
        if known is not None and known is not entity:
            owners = f"{self._owners[entity.name] or 'own'}, {owner or 'own'}"
            raise ConfigError(f"two entities are named {entity.name!r} ({owners})")
        self._entities[entity.name] = entity
        self._owners[entity.name] = owner

    def _check_reference(self, entity: Entity, f: Field) -> None:
        """Refuse a foreign key that names no field of the catalog, or one that cannot hold it."""
        where = f"{entity.name}.{f.name}"
        if not f.foreign_entity or not f.foreign_field:
            raise ConfigError(f"{where}: foreign={f.foreign!r} must name 'entity.field'")
        parent = self._entities.get(f.foreign_entity)
        if parent is None:
            raise ConfigError(f"{where} references unknown entity {f.foreign_entity!r}")
        target = parent.by_name.get(f.foreign_field)
        if target is None:
            raise ConfigError(f"{where} references unknown field {f.foreign!r}; {parent.name} has "
                              f"{', '.join(parent.field_names)}")
        if parent.primary_key != (target.name,) and not target.unique:
            raise ConfigError(f"{where} references {f.foreign!r}, which is neither the primary key of "
                              f"{parent.name} nor unique: a foreign key must name one row")
        if target.kind is not f.kind:
            raise ConfigError(f"{where} ({f.kind.value}) references {f.foreign!r} ({target.kind.value}): "
                              "a foreign key holds what it references")

    def owner(self, entity: Entity | str) -> str:
        """``"core"``, the name of the plugin that brings ``entity``, or ``""`` for the service's own."""
        return self._owners[entity if isinstance(entity, str) else entity.name]

    def tables_to_create(
        self, migrated: Iterable[str], tables_of: Callable[[Entity], list[str]], present: set[str]
    ) -> dict[str, list[str]]:
        """For the components without migrations (not in ``migrated``), ``"table <name>"``
        per table of theirs (``tables_of`` an entity) not in ``present``; a service's own
        entities under :data:`OWN_LABEL`. What a migration report lists for them."""
        done = set(migrated)
        missing: dict[str, list[str]] = {}
        for entity in self.in_dependency_order():
            owner = self._owners[entity.name]
            if owner in done:
                continue
            tables = [f"table {name}" for name in tables_of(entity) if name not in present]
            if tables:
                missing.setdefault(owner or OWN_LABEL, []).extend(tables)
        return missing

    def owned_by(self, component: str) -> list[Entity]:
        """The entities of ``component``, parents first."""
        return [entity for entity in self.in_dependency_order() if self._owners[entity.name] == component]

    @property
    def names(self) -> list[str]:
        return list(self._entities)

    def __getitem__(self, name: str) -> Entity:
        return self._entities[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entities

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._entities.values())

    def children(self, parent: Entity) -> list[Child]:
        """Entities that reference ``parent`` directly (worked out once: every delete asks)."""
        return self._children.get(parent.name, [])

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


def _refuse_cycles(entities: Mapping[str, Entity]) -> None:
    """:class:`ConfigError` when following foreign keys leads back to an entity (itself included):
    then no order puts every parent before its children."""
    done: set[str] = set()

    def visit(entity: Entity, path: list[tuple[str, str]]) -> None:
        if entity.name in done:
            return
        for f in entity.foreign_fields:
            parent = f.foreign_entity or ""
            step = [*path, (entity.name, f"{entity.name}.{f.name} -> {parent}")]
            names = [name for name, _ in step]
            if parent in names:
                cycle = ", ".join(link for _, link in step[names.index(parent):])
                raise ConfigError(f"foreign keys form a cycle ({cycle}), which kong_orm does not support: "
                                  "tables are created and cascades run parents first")
            visit(entities[parent], step)
        done.add(entity.name)

    for entity in entities.values():
        visit(entity, [])
