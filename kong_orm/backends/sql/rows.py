"""Database rows to kong_orm's plain dicts, and back."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Kind


def to_dict(entity: Entity, row: Sequence[Any]) -> dict[str, Any]:
    """A result row (columns in field order) as a plain dict of every field."""
    values = dict(zip(entity.field_names, row))
    for f in entity.fields:
        value = values[f.name]
        if f.kind is Kind.NUMBER and isinstance(value, float) and value.is_integer():
            values[f.name] = int(value)
        elif f.kind is Kind.BOOLEAN and value is not None:
            values[f.name] = bool(value)
    return values


