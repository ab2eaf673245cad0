"""Field building blocks shared by the plugins' own entities."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from kong_orm.schema.fields import Field, Kind


def consumer_field() -> Field:
    """The consumer a credential belongs to (deleted with it)."""
    return Field("consumer_id", Kind.ID, required=True, foreign="consumers.id")


def random_key(row: Mapping[str, Any] | None = None) -> str:
    """A fresh random key: 32 hexadecimal characters (a UUID4 without its dashes)."""
    return uuid.uuid4().hex
