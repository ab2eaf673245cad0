"""Database rows to kong_orm's plain dicts, and back."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import as_read


def to_dict(entity: Entity, row: Sequence[Any]) -> dict[str, Any]:
    """A result row (columns in field order) as a plain dict of every field."""
    return {f.name: as_read(f, value) for f, value in zip(entity.fields, row)}
