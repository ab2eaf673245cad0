"""jwt: authenticate consumers by a signed JSON Web Token."""
from pathlib import Path

from kong_orm.plugins.checks import one_of
from kong_orm.plugins.fields import consumer_field, random_key
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, Schema
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
    config=Schema(
        fields=(
            Field("uri_param_names", Kind.ARRAY, default=["jwt"]),
            Field("key_claim_name", Kind.STRING, default="iss"),
            Field("secret_is_base64", Kind.BOOLEAN, default=False),
            Field("claims_to_verify", Kind.ARRAY, check=one_of("exp", "nbf")),
        )
    ),
    entities=(JWT_SECRETS,),
    migrations=Path(__file__).parent / "migrations" / "jwt",
)
