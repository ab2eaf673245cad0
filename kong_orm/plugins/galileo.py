"""galileo: send API analytics (ALF) to Mashape Galileo."""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="galileo",
    config=Schema(
        fields=(
            Field("environment", Kind.STRING),
            Field("retry_count", Kind.NUMBER, default=10),
            Field("queue_size", Kind.NUMBER, default=1000),
            Field("flush_timeout", Kind.NUMBER, default=2),
            Field("log_bodies", Kind.BOOLEAN, default=False),
            Field("service_token", Kind.STRING, required=True),
            Field("connection_timeout", Kind.NUMBER, default=30),
            Field("host", Kind.STRING, required=True, default="collector.galileo.mashape.com"),
            Field("port", Kind.NUMBER, required=True, default=443),
            Field("https", Kind.BOOLEAN, default=True),
            Field("https_verify", Kind.BOOLEAN, default=False),
        )
    ),
)
