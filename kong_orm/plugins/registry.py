"""Plugins: what each brings to the data layer, and which ones a process knows.

A plugin is known when it is built in, installed by another package under
the ``kong_orm.plugins`` entry-point group, or registered with
:func:`register_plugin`. A factory serves the known plugins its config
selects (every known one by default).
"""
from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from kong_orm.errors import ConfigError
from kong_orm.schema.entity import Entity, Schema

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kong_orm.plugins"
NO_CONFIG = Schema(fields=())

DAOClass = Callable[[Any], Any]
"""Builds a plugin's own DAO around the generic repository of its entity."""


@dataclass(frozen=True)
class Plugin:
    """A gateway plugin as the data layer sees it.

    :param name: the value of ``plugins.name`` that selects this plugin.
    :param config: the schema of ``plugins.config`` for this plugin.
    :param no_consumer: the plugin cannot be configured for one consumer.
    :param entities: the plugin's own entities (foreign keys may name core
        entities or the plugin's own).
    :param daos: entity name -> a class wrapping the entity's generic
        repository, for entities whose verbs are not the generic ones
        (``factory.<entity>`` is then an instance of it).
    :param migrations: a folder with ``sql/`` (Alembic revisions whose first
        one carries the branch label ``name``) and ``cassandra/``
        (``NNNN_name.cql`` files, ``{keyspace}`` standing for the keyspace).
        Without one, a factory creates the entities' tables from their
        definitions.

    Example::

        Plugin("my-auth", Schema(fields=(Field("header", Kind.STRING, default="x-auth"),)),
               entities=(MY_CREDENTIALS,), migrations=Path(__file__).parent / "migrations")
    """

    name: str
    config: Schema = NO_CONFIG
    no_consumer: bool = False
    entities: tuple[Entity, ...] = ()
    daos: Mapping[str, DAOClass] = field(default_factory=dict)
    migrations: Path | None = None


_BUILTIN = {
    "acl": "kong_orm.plugins.acl",
    "basic-auth": "kong_orm.plugins.basic_auth",
    "correlation-id": "kong_orm.plugins.correlation_id",
    "cors": "kong_orm.plugins.cors",
    "datadog": "kong_orm.plugins.datadog",
    "file-log": "kong_orm.plugins.file_log",
    "galileo": "kong_orm.plugins.galileo",
    "hmac-auth": "kong_orm.plugins.hmac_auth",
    "http-log": "kong_orm.plugins.http_log",
    "ip-restriction": "kong_orm.plugins.ip_restriction",
    "jwt": "kong_orm.plugins.jwt",
    "key-auth": "kong_orm.plugins.key_auth",
    "ldap-auth": "kong_orm.plugins.ldap_auth",
    "loggly": "kong_orm.plugins.loggly",
    "oauth2": "kong_orm.plugins.oauth2",
    "rate-limiting": "kong_orm.plugins.rate_limiting",
    "request-size-limiting": "kong_orm.plugins.request_size_limiting",
    "request-transformer": "kong_orm.plugins.request_transformer",
    "response-ratelimiting": "kong_orm.plugins.response_ratelimiting",
    "response-transformer": "kong_orm.plugins.response_transformer",
    "runscope": "kong_orm.plugins.runscope",
    "ssl": "kong_orm.plugins.ssl",
    "statsd": "kong_orm.plugins.statsd",
    "syslog": "kong_orm.plugins.syslog",
    "tcp-log": "kong_orm.plugins.tcp_log",
    "udp-log": "kong_orm.plugins.udp_log",
}
_registered: dict[str, Plugin] = {}
_loaded: dict[str, Plugin] = {}
_lock = threading.Lock()


def register_plugin(plugin: Plugin) -> None:
    """Make ``plugin`` known to the factories this process creates from now on."""
    with _lock:
        _registered[plugin.name] = plugin


def get_plugin(name: str) -> Plugin | None:
    """The known plugin called ``name`` (loaded on first use), or ``None``."""
    if name in _registered:
        return _registered[name]
    with _lock:
        if name not in _loaded:
            plugin = _load(name)
            if plugin is None:
                return None
            _loaded[name] = plugin
        return _loaded[name]


def registered_plugins() -> list[str]:
    """Names of every known plugin."""
    return sorted({*_BUILTIN, *_installed(), *_registered})


def builtin_plugins() -> list[str]:
    """Names of the plugins that ship with kong_orm."""
    return sorted(_BUILTIN)


def select_plugins(selection: Iterable[str | Plugin] | str | None) -> tuple[Plugin, ...]:
    """The plugins a factory serves: ``selection`` (names or plugins), or every known one.

    :raises ConfigError: a name no known plugin has.
    """
    if selection is None:
        selection = registered_plugins()
    elif isinstance(selection, str):
        selection = [name.strip() for name in selection.split(",") if name.strip()]
    chosen: dict[str, Plugin] = {}
    for item in selection:
        plugin = item if isinstance(item, Plugin) else get_plugin(item)
        if plugin is None:
            raise ConfigError(f"unknown plugin {item!r}; known: {', '.join(registered_plugins())}")
        chosen[plugin.name] = plugin
    return tuple(chosen.values())


def _load(name: str) -> Plugin | None:
    if name in _BUILTIN:
        return _as_plugin(name, importlib.import_module(_BUILTIN[name]).PLUGIN)
    found = _installed().get(name)
    return None if found is None else _as_plugin(name, found.load())


def _installed() -> dict[str, Any]:
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def _as_plugin(name: str, loaded: Any) -> Plugin:
    plugin = loaded() if callable(loaded) and not isinstance(loaded, Plugin) else loaded
    if not isinstance(plugin, Plugin) or plugin.name != name:
        raise ConfigError(f"plugin entry point {name!r} does not give a Plugin named {name!r}")
    return plugin


def plugin_lookup(plugins: Iterable[Plugin]) -> Callable[[str], Plugin | None]:
    """``name -> Plugin`` over a fixed set of plugins (a factory's)."""
    by_name: Mapping[str, Plugin] = {plugin.name: plugin for plugin in plugins}
    return by_name.get
