"""ldap-auth: authenticate requests against an LDAP server.

Unlike the other authentication plugins it may be configured for one consumer,
as in Kong 0.8 (no ``no_consumer``).
"""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="ldap-auth",
    config=Schema(
        fields=(
            Field("ldap_host", Kind.STRING, required=True),
            Field("ldap_port", Kind.NUMBER, required=True),
            Field("start_tls", Kind.BOOLEAN, required=True, default=False),
            Field("verify_ldap_host", Kind.BOOLEAN, required=True, default=False),
            Field("base_dn", Kind.STRING, required=True),
            Field("attribute", Kind.STRING, required=True),
            Field("cache_ttl", Kind.NUMBER, required=True, default=60),
            Field("hide_credentials", Kind.BOOLEAN, default=False),
            Field("timeout", Kind.NUMBER, default=10000),
            Field("keepalive", Kind.NUMBER, default=60000),
        )
    ),
)
