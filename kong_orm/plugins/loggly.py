"""loggly: send request and response logs to Loggly over UDP."""
from kong_orm.plugins.registry import Plugin
from kong_orm.plugins.syslog import SEVERITY_FIELDS
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="loggly",
    config=Schema(
        fields=(
            Field("host", Kind.STRING, default="logs-01.loggly.com"),
            Field("port", Kind.NUMBER, default=514),
            Field("key", Kind.STRING, required=True),
            Field("tags", Kind.ARRAY, default=["kong"]),
            *SEVERITY_FIELDS,
            Field("timeout", Kind.NUMBER, default=10000),
        )
    ),
)
