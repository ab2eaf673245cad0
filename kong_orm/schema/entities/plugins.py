"""Plugins: a plugin's configuration on an API, optionally for one consumer.

The entity depends on which plugins can be configured: each factory builds
its own with :func:`plugins_entity` over the plugins it serves.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, RowCheck, Schema, UniqueTogether
from kong_orm.schema.fields import CoercionError, Field, Kind

if TYPE_CHECKING:
    from kong_orm.plugins.registry import Plugin

PluginLookup = Callable[[str], "Plugin | None"]


def _config_schema(lookup: PluginLookup) -> Callable[[Mapping[str, Any]], Schema | None]:
    def config_schema(row: Mapping[str, Any]) -> Schema | None:
        """The config schema of the plugin the row names (none while it names none)."""
        name = row.get("name")
        if name is None:
            return None
        plugin = lookup(name)
        if plugin is None:
            raise CoercionError(f'Plugin "{name}" not found')
        return plugin.config

    return config_schema


def _reject_forbidden_consumer(lookup: PluginLookup) -> RowCheck:
    def check(row: Mapping[str, Any]) -> dict[str, str] | None:
        plugin = lookup(row["name"])
        if plugin is not None and plugin.no_consumer and row.get("consumer_id") is not None:
            return {"consumer_id": "No consumer can be configured for that plugin"}
        return None

    return check


def plugins_entity(lookup: PluginLookup) -> Entity:
    """The ``plugins`` entity whose configs are validated by the plugins ``lookup`` finds."""
    return Entity(
        name="plugins",
        primary_key=("id", "name"),
        fields=(
            id_field(),
            created_at_field(),
            Field("api_id", Kind.ID, required=True, foreign="apis.id"),
            Field("consumer_id", Kind.ID, foreign="consumers.id"),
            Field("name", Kind.STRING, required=True, immutable=True),
            Field("config", Kind.TABLE, default={}, schema=_config_schema(lookup)),
            Field("enabled", Kind.BOOLEAN, default=True),
        ),
        checks=(_reject_forbidden_consumer(lookup),),
        unique_together=(
            UniqueTogether(("name", "api_id", "consumer_id"), "Plugin configuration already exists"),
        ),
    )


def _any_known_plugin(name: str) -> Plugin | None:
    from kong_orm.plugins.registry import get_plugin

    return get_plugin(name)


PLUGINS = plugins_entity(_any_known_plugin)
"""The entity over every plugin this process knows."""
