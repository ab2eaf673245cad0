"""udp-log: send request and response logs to a UDP server."""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="udp-log",
    config=Schema(
        fields=(
            Field("host", Kind.STRING, required=True),
            Field("port", Kind.NUMBER, required=True),
            Field("timeout", Kind.NUMBER, default=10000),
        )
    ),
)
