"""hmac-auth: authenticate consumers by an HMAC signature of the request."""
from kong_orm.plugins.checks import at_least
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="hmac-auth",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("hide_credentials", Kind.BOOLEAN, default=False),
            Field("clock_skew", Kind.NUMBER, default=300, check=at_least(0, "Clock Skew should be positive")),
        )
    ),
)
