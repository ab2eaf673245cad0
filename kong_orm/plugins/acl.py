"""acl: allow or deny consumers by the groups they belong to."""
from pathlib import Path

from kong_orm.plugins.fields import consumer_field
from kong_orm.plugins.registry import NO_CONFIG, Plugin
from kong_orm.schema.entities.common import id_field
from kong_orm.schema.entity import Entity, UniqueTogether
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
    config=NO_CONFIG,
    entities=(ACLS,),
    migrations=Path(__file__).parent / "migrations" / "acl",
)
