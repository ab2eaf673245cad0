"""ip-ban: client addresses a consumer may no longer call from.

An example of a kong_orm plugin living in its own package: one entity with
a foreign key to a core entity, a config schema, and migrations for SQL
(an Alembic branch labelled ``ip-ban``) and Cassandra (versioned CQL files).
It is found through the ``kong_orm.plugins`` entry point in setup.cfg.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kong_orm.plugins import Plugin
from kong_orm.schema import Entity, Field, Kind, Schema
from kong_orm.schema.entities.common import created_at_field, id_field


def check_address(address: str, row: Mapping[str, Any]) -> str | None:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return f"'{address}' is not an IP address"
    return None


IP_BANS = Entity(
    name="ip_bans",
    fields=(
        id_field(),
        created_at_field(),
        Field("consumer_id", Kind.ID, required=True, foreign="consumers.id"),
        Field("address", Kind.STRING, required=True, unique=True, check=check_address),
        Field("reason", Kind.STRING),
    ),
)

PLUGIN = Plugin(
    name="ip-ban",
    config=Schema(fields=(Field("message", Kind.STRING, default="Your address is banned"),)),
    entities=(IP_BANS,),
    migrations=Path(__file__).parent / "migrations",
)


def contract_example(n: int) -> dict[str, Any]:
    """Values that make a valid ``ip_bans`` row for kong_orm's contract suite."""
    return {"address": f"192.0.2.{n % 250}" if n < 250 else f"2001:db8::{n:x}"}
