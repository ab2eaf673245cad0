"""The registry of plugins the ``plugins`` entity can configure."""
from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass

from kong_orm.schema.entity import Schema


@dataclass(frozen=True)
class Plugin:
    """A gateway plugin as the data layer sees it.

    :param name: the value of ``plugins.name`` that selects this plugin.
    :param config: the schema of ``plugins.config`` for this plugin.
    :param no_consumer: the plugin cannot be configured for one consumer.
    """

    name: str
    config: Schema
    no_consumer: bool = False


_BUILTIN = {
    "key-auth": "kong_orm.plugins.key_auth",
    "rate-limiting": "kong_orm.plugins.rate_limiting",
    "response-ratelimiting": "kong_orm.plugins.response_ratelimiting",
}
_plugins: dict[str, Plugin] = {}
_lock = threading.Lock()


def register_plugin(plugin: Plugin) -> None:
    """Make ``plugin`` known to every factory of this process."""
    with _lock:
        _plugins[plugin.name] = plugin


def get_plugin(name: str) -> Plugin | None:
    """Return the plugin called ``name``, loading a built-in one on first use."""
    plugin = _plugins.get(name)
    if plugin is None and name in _BUILTIN:
        register_plugin(importlib.import_module(_BUILTIN[name]).PLUGIN)
        plugin = _plugins[name]
    return plugin


def registered_plugins() -> list[str]:
    """Names of every plugin that can be configured."""
    return sorted(set(_plugins) | set(_BUILTIN))
