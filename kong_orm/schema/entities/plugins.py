"""Plugins: a plugin's configuration on an API, optionally for one consumer."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kong_orm.plugins.registry import get_plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, Schema, UniqueTogether
from kong_orm.schema.fields import CoercionError, Field, Kind


def config_schema(row: Mapping[str, Any]) -> Schema | None:
    """The config schema of the plugin the row names (none while it names none)."""
    name = row.get("name")
    if name is None:
        return None
    plugin = get_plugin(name)
    if plugin is None:
        raise CoercionError(f'Plugin "{name}" not found')
    return plugin.config


def reject_forbidden_consumer(row: Mapping[str, Any]) -> dict[str, str] | None:
    plugin = get_plugin(row["name"])
    if plugin is not None and plugin.no_consumer and row.get("consumer_id") is not None:
        return {"consumer_id": "No consumer can be configured for that plugin"}
    return None


PLUGINS = Entity(
    name="plugins",
    primary_key=("id", "name"),
    fields=(
        id_field(),
        created_at_field(),
        Field("api_id", Kind.ID, required=True, foreign="apis.id"),
        Field("consumer_id", Kind.ID, foreign="consumers.id"),
        Field("name", Kind.STRING, required=True, immutable=True),
        Field("config", Kind.TABLE, default={}, schema=config_schema),
        Field("enabled", Kind.BOOLEAN, default=True),
    ),
    checks=(reject_forbidden_consumer,),
    unique_together=(
        UniqueTogether(("name", "api_id", "consumer_id"), "Plugin configuration already exists"),
    ),
)
