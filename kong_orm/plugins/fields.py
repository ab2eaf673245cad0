"""Field building blocks shared by the plugins' own entities."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from kong_orm.schema.fields import Check, Field, Kind


def consumer_field() -> Field:
    """The consumer a credential belongs to (deleted with it)."""
    return Field("consumer_id", Kind.ID, required=True, foreign="consumers.id")


def random_key(row: Mapping[str, Any] | None = None) -> str:
    """A fresh random key: 32 hexadecimal characters (a UUID4 without its dashes)."""
    return uuid.uuid4().hex


def one_of(*allowed: str) -> Check:
    """A check that the value is one of ``allowed``, with Kong's enum message."""
    listed = ", ".join(f'"{value}"' for value in allowed)

    def check(value: Any, row: Mapping[str, Any]) -> str | None:
        if value is None or value in allowed:
            return None
        return f'"{value}" is not allowed. Allowed values are: {listed}'

    return check
