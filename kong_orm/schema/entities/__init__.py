"""The core entities, each defined once."""
from kong_orm.schema.entities.apis import APIS
from kong_orm.schema.entities.consumers import CONSUMERS
from kong_orm.schema.entities.nodes import NODES
from kong_orm.schema.entities.plugins import PLUGINS

CORE_ENTITIES = (APIS, CONSUMERS, PLUGINS, NODES)

__all__ = ["APIS", "CONSUMERS", "CORE_ENTITIES", "NODES", "PLUGINS"]
