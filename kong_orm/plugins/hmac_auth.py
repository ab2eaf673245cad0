"""hmac-auth: authenticate consumers by an HMAC signature of the request."""
from pathlib import Path

from kong_orm.plugins.checks import at_least
from kong_orm.plugins.fields import consumer_field
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, Schema
from kong_orm.schema.fields import Field, Kind

HMACAUTH_CREDENTIALS = Entity(
    name="hmacauth_credentials",
    fields=(
        id_field(),
        created_at_field(),
        consumer_field(),
        Field("username", Kind.STRING, required=True, unique=True),
        Field("secret", Kind.STRING),
    ),
)

PLUGIN = Plugin(
    name="hmac-auth",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("hide_credentials", Kind.BOOLEAN, default=False),
            Field("clock_skew", Kind.NUMBER, default=300, check=at_least(0, "Clock Skew should be positive")),
        )
    ),
    entities=(HMACAUTH_CREDENTIALS,),
    migrations=Path(__file__).parent / "migrations" / "hmac_auth",
)
