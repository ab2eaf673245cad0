"""Rules shared by the bundled plugins' config schemas, with Kong 0.8's messages.

Field rules follow :data:`kong_orm.schema.fields.Check` (``check(value, row)``
returns a message or ``None``; they also see absent values as ``None``); config
rules follow :data:`kong_orm.schema.entity.RowCheck`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kong_orm.schema.entity import RowCheck
from kong_orm.schema.fields import Check


def one_of(*allowed: str) -> Check:
    """Allow only ``allowed`` values; for a list, report its first entry outside them."""
    listed = ", ".join(f'"{value}"' for value in allowed)

    def check(value: Any, row: Mapping[str, Any]) -> str | None:
        for entry in value if isinstance(value, list) else [value]:
            if entry is not None and entry not in allowed:
                return f'"{entry}" is not allowed. Allowed values are: {listed}'
        return None

    return check


def at_least(minimum: int, message: str) -> Check:
    """Refuse a number below ``minimum`` with ``message``."""

    def check(value: Any, row: Mapping[str, Any]) -> str | None:
        return message if value is not None and value < minimum else None

    return check


def one_list_of(first: str, second: str, *, both: str, neither: str) -> RowCheck:
    """Require exactly one of two list fields to hold entries (a whitelist or a blacklist)."""

    def check(config: Mapping[str, Any]) -> dict[str, str] | None:
        given = [bool(config.get(name)) for name in (first, second)]
        if all(given):
            return {"": both}
        if not any(given):
            return {"": neither}
        return None

    return check


def ipv4_cidr_problem(entry: Any) -> str | None:
    """Why ``entry`` is not an IPv4 address or ``address/prefix`` (prefix 1-32), as Kong said it."""
    if not isinstance(entry, str):
        return "IP must be a string"
    address, slash, prefix = entry.partition("/")
    octets = address.split(".")
    if len(octets) != 4:
        return "Invalid IP"
    for octet in octets:
        if not _is_decimal(octet) or int(octet) > 255:
            return f"Invalid octet: {octet}"
    if slash and not (_is_decimal(prefix) and 1 <= int(prefix) <= 32):
        return f"Invalid prefix: /{prefix}"
    return None


def _is_decimal(text: str) -> bool:
    return text.isascii() and text.isdigit()


def ipv4_cidrs(value: Any, row: Mapping[str, Any]) -> str | None:
    """Every entry of the list is an IPv4 address or CIDR block; report the first that is not."""
    for entry in value or ():
        problem = ipv4_cidr_problem(entry)
        if problem:
            return f"cannot parse '{entry}': {problem}"
    return None
