"""correlation-id: tag each request with a unique id header."""
from kong_orm.plugins.checks import one_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="correlation-id",
    config=Schema(
        fields=(
            Field("header_name", Kind.STRING, default="Kong-Request-ID"),
            Field("generator", Kind.STRING, default="uuid#counter", check=one_of("uuid", "uuid#counter")),
            Field("echo_downstream", Kind.BOOLEAN, default=False),
        )
    ),
)
