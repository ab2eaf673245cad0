"""acl: allow or deny consumers by the groups they belong to."""
from pathlib import Path

from kong_orm.plugins.checks import one_list_of
from kong_orm.plugins.fields import consumer_field
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entities.common import id_field
from kong_orm.schema.entity import Entity, Schema, UniqueTogether
from kong_orm.schema.fields import Field, Kind

ACLS = Entity(
    name="acls",
    fields=(
        id_field(),
        Field("created_at", Kind.TIMESTAMP, auto=True),
        consumer_field(),
        Field("group", Kind.STRING, required=True),
    ),
    # Kong 0.8 checked this by a read before the write; here it is a constraint (a claim on Cassandra).
    unique_together=(UniqueTogether(("consumer_id", "group"), "ACL group already exist for this consumer"),),
)

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
    entities=(ACLS,),
    migrations=Path(__file__).parent / "migrations" / "acl",
)
