"""http-log: send request and response logs to an HTTP endpoint.

Kong 0.8 gave ``method`` no type, so a non-string was only compared with the
allowed methods; here it is a string like any other (``method is not a
string``; a blank one takes the default).
"""
from kong_orm.plugins.checks import one_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="http-log",
    config=Schema(
        fields=(
            Field("http_endpoint", Kind.URL, required=True),
            Field("method", Kind.STRING, default="POST", check=one_of("POST", "PUT", "PATCH")),
            Field("timeout", Kind.NUMBER, default=10000),
            Field("keepalive", Kind.NUMBER, default=60000),
        )
    ),
)
