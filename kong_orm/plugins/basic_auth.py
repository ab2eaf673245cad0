"""basic-auth: authenticate consumers by username and password."""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="basic-auth",
    no_consumer=True,
    config=Schema(fields=(Field("hide_credentials", Kind.BOOLEAN, default=False),)),
)
