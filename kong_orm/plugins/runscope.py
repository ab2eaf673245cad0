"""runscope: send request and response traffic to Runscope.

Kong 0.8 gave ``access_token`` the default ``""``, which counts as missing, so
the field was mandatory all the same; it is declared required without that
default here (same outcome: ``access_token is required``).
"""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="runscope",
    config=Schema(
        fields=(
            Field("api_endpoint", Kind.URL, required=True, default="https://api.runscope.com"),
            Field("bucket_key", Kind.STRING, required=True),
            Field("access_token", Kind.STRING, required=True),
            Field("timeout", Kind.NUMBER, default=10000),
            Field("keepalive", Kind.NUMBER, default=30),
            Field("log_body", Kind.BOOLEAN, default=False),
        )
    ),
)
