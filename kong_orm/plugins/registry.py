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
