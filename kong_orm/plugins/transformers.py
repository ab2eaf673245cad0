"""The config shape request-transformer and response-transformer share."""
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

ACTIONS = ("remove", "replace", "add", "append")


def actions_schema(*lists: str) -> Schema:
    """A config of the four actions, each a table of ``lists`` (arrays, empty by default).

    An absent action is stored with its empty lists; an unknown key inside an
    action is an error (``config.remove.form``).
    """
    action = Schema(fields=tuple(Field(name, Kind.ARRAY, default=[]) for name in lists))
    return Schema(fields=tuple(Field(name, Kind.TABLE, schema=lambda config: action) for name in ACTIONS))
