"""key-auth: authenticate consumers by an API key."""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="key-auth",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("key_names", Kind.ARRAY, required=True, default=lambda row: ["apikey"]),
            Field("hide_credentials", Kind.BOOLEAN, default=False),
        )
    ),
)
