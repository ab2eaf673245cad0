"""Plugins: their config schemas (and, later, their own entities)."""
from kong_orm.plugins.registry import Plugin, get_plugin, register_plugin, registered_plugins

__all__ = ["Plugin", "get_plugin", "register_plugin", "registered_plugins"]
