"""Fields and rules shared by several entities."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kong_orm.schema.fields import Check, Field, Kind


def id_field() -> Field:
    """A generated UUID primary key."""
    return Field("id", Kind.ID, auto=True)


def created_at_field() -> Field:
    """Creation time in milliseconds since the epoch, set on insert."""
    return Field("created_at", Kind.TIMESTAMP, auto=True, immutable=True)


def at_least_one_of(*names: str) -> Check:
    """A check, put on each of ``names``, that fails when all of them are empty."""
    quoted = " or a ".join(f"'{name}'" for name in names)
    message = f"At least a {quoted} must be specified"

    def check(value: Any, row: Mapping[str, Any]) -> str | None:
        return None if any(row.get(name) not in (None, "") for name in names) else message

    return check


def all_of(*checks: Check) -> Check:
    """Run checks in order; the first message wins."""

    def check(value: Any, row: Mapping[str, Any]) -> str | None:
        for one in checks:
            message = one(value, row)
            if message:
                return message
        return None

    return check


def when_set(check: Check) -> Check:
    """Run ``check`` only on a value that is present."""

    def guarded(value: Any, row: Mapping[str, Any]) -> str | None:
        return None if value is None else check(value, row)

    return guarded
