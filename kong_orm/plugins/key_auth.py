"""key-auth: authenticate consumers by an API key."""
from pathlib import Path

from kong_orm.plugins.fields import consumer_field, random_key
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, Schema
from kong_orm.schema.fields import Field, Kind

KEYAUTH_CREDENTIALS = Entity(
    name="keyauth_credentials",
    fields=(
        id_field(),
        created_at_field(),
        consumer_field(),
        Field("key", Kind.STRING, unique=True, default=random_key),
    ),
)

PLUGIN = Plugin(
    name="key-auth",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("key_names", Kind.ARRAY, required=True, default=lambda row: ["apikey"]),
            Field("hide_credentials", Kind.BOOLEAN, default=False),
        )
    ),
    entities=(KEYAUTH_CREDENTIALS,),
    migrations=Path(__file__).parent / "migrations" / "key_auth",
)
