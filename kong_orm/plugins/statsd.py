"""statsd: send request metrics to a StatsD server (datadog uses the same config)."""
from kong_orm.plugins.checks import one_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

METRICS = (
    "request_count",
    "latency",
    "request_size",
    "status_count",
    "response_size",
    "unique_users",
    "request_per_user",
)

CONFIG = Schema(
    fields=(
        Field("host", Kind.STRING, required=True, default="localhost"),
        Field("port", Kind.NUMBER, required=True, default=8125),
        Field("metrics", Kind.ARRAY, required=True, default=list(METRICS), check=one_of(*METRICS)),
        Field("timeout", Kind.NUMBER, default=10000),
    )
)

PLUGIN = Plugin(name="statsd", config=CONFIG)
