"""Backend-neutral entity definitions and validation."""
from kong_orm.schema.entity import Entity, Schema, UniqueTogether
from kong_orm.schema.fields import Field, Kind

__all__ = ["Entity", "Field", "Kind", "Schema", "UniqueTogether"]
