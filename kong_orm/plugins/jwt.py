"""jwt: authenticate consumers by a signed JSON Web Token."""
from kong_orm.plugins.checks import one_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

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
)
