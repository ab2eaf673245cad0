"""Nodes: cluster members, refreshed with a TTL."""
from kong_orm.schema.entities.common import created_at_field
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

NODES = Entity(
    name="nodes",
    primary_key=("name",),
    fields=(
        Field("name", Kind.STRING, required=True),
        created_at_field(),
        Field("cluster_listening_address", Kind.STRING, required=True),
    ),
)
