"""cors: answer cross-origin resource sharing requests."""
from kong_orm.plugins.checks import one_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="cors",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("origin", Kind.STRING),
            Field("headers", Kind.ARRAY),
            Field("exposed_headers", Kind.ARRAY),
            Field("methods", Kind.ARRAY, check=one_of("HEAD", "GET", "POST", "PUT", "PATCH", "DELETE")),
            Field("max_age", Kind.NUMBER),
            Field("credentials", Kind.BOOLEAN, default=False),
            Field("preflight_continue", Kind.BOOLEAN, default=False),
        )
    ),
)
