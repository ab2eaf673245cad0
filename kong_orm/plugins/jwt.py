"""jwt: authenticate consumers by JSON Web Tokens signed with their secrets."""
from pathlib import Path

from kong_orm.plugins.fields import consumer_field, one_of, random_key
from kong_orm.plugins.registry import NO_CONFIG, Plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

JWT_SECRETS = Entity(
    name="jwt_secrets",
    fields=(
        id_field(),
        created_at_field(),
        consumer_field(),
        Field("key", Kind.STRING, unique=True, default=random_key),
        Field("secret", Kind.STRING, unique=True, default=random_key),
        Field("rsa_public_key", Kind.STRING),
        Field("algorithm", Kind.STRING, default="HS256", check=one_of("HS256", "RS256")),
    ),
)

PLUGIN = Plugin(
    name="jwt",
    no_consumer=True,
    config=NO_CONFIG,
    entities=(JWT_SECRETS,),
    migrations=Path(__file__).parent / "migrations" / "jwt",
)
