"""acl: allow or deny consumers by the groups they belong to."""
from kong_orm.plugins.checks import one_list_of
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="acl",
    no_consumer=True,
    config=Schema(
        fields=(Field("whitelist", Kind.ARRAY), Field("blacklist", Kind.ARRAY)),
        checks=(
            one_list_of(
                "whitelist",
                "blacklist",
                both="You cannot set both a whitelist and a blacklist",
                neither="You must set at least a whitelist or blacklist",
            ),
        ),
    ),
)
