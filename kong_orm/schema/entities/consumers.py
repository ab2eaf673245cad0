"""Consumers: the users of APIs."""
from kong_orm.schema.entities.common import at_least_one_of, created_at_field, id_field
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

_identified = at_least_one_of("custom_id", "username")

CONSUMERS = Entity(
    name="consumers",
    fields=(
        id_field(),
        created_at_field(),
        Field("custom_id", Kind.STRING, unique=True, check=_identified),
        Field("username", Kind.STRING, unique=True, check=_identified),
    ),
)
