"""syslog: write request and response logs to the gateway host's syslog."""
from kong_orm.plugins.checks import one_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

SEVERITIES = ("debug", "info", "notice", "warning", "err", "crit", "alert", "emerg")
SEVERITY_FIELDS = tuple(
    Field(name, Kind.STRING, default="info", check=one_of(*SEVERITIES))
    for name in ("log_level", "successful_severity", "client_errors_severity", "server_errors_severity")
)
"""The log level and the severities per response class, shared with loggly."""

PLUGIN = Plugin(name="syslog", config=Schema(fields=SEVERITY_FIELDS))
