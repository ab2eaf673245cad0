"""tcp-log: send request and response logs to a TCP server."""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="tcp-log",
    config=Schema(
        fields=(
            Field("host", Kind.STRING, required=True),
            Field("port", Kind.NUMBER, required=True),
            Field("timeout", Kind.NUMBER, default=10000),
            Field("keepalive", Kind.NUMBER, default=60000),
        )
    ),
)
