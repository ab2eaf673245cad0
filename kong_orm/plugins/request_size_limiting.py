"""request-size-limiting: refuse request bodies above a size (no check that it is positive, as in Kong 0.8)."""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(
    name="request-size-limiting",
    config=Schema(fields=(Field("allowed_payload_size", Kind.NUMBER, default=128),)),
)
