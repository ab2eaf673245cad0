"""Valid rows for any entity, built from its definition, for the entity-wide contract.

A field gets a generated value when the row needs one (required or unique
fields without a default); referenced rows are inserted first. Where an
entity's checks want more than a generated value can give (a host name, a
redirect URI), its example values are registered here, by a plugin package
under the ``kong_orm.contract_examples`` entry-point group (entity name ->
a function of a fresh number), or with :func:`register_example`.
"""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from kong_orm.factory import DAOFactory
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

Example = Callable[[int], dict[str, Any]]
_numbers = itertools.count(1)
_EXAMPLES: dict[str, Example] = {
    "apis": lambda n: {
        "request_host": f"api{n}.example.com",
        "request_path": f"/api{n}",
        "upstream_url": "http://upstream.example.com",
    },
    "consumers": lambda n: {"username": f"user{n}"},
    "plugins": lambda n: {"name": "rate-limiting", "config": {"second": n}},
    "oauth2_credentials": lambda n: {"redirect_uri": [f"https://client{n}.example.com/callback"]},
}


EXAMPLES_ENTRY_POINT_GROUP = "kong_orm.contract_examples"
for _point in entry_points(group=EXAMPLES_ENTRY_POINT_GROUP):
    _EXAMPLES.setdefault(_point.name, _point.load())


def register_example(entity_name: str, example: Example) -> None:
    """Values (given a fresh number) that make a valid row of ``entity_name`` with the generated ones."""
    _EXAMPLES[entity_name] = example


def sample(factory: DAOFactory, entity: Entity, **overrides: Any) -> dict[str, Any]:
    """Values of a new valid row of ``entity``; the rows it references are inserted."""
    n = next(_numbers)
    values: dict[str, Any] = {}
    for f in entity.fields:
        if f.foreign and (f.required or f.name in entity.primary_key):
            values[f.name] = _parent_value(factory, f)
        elif _needs_value(f, entity):
            values[f.name] = generated(f, n)
    example = _EXAMPLES.get(entity.name)
    if example is not None:
        values.update(example(n))
    values.update(overrides)
    return values


def add(factory: DAOFactory, entity: Entity, *, ttl: int | None = None, **overrides: Any) -> dict[str, Any]:
    """Insert a sample row of ``entity``; return it as stored."""
    row: dict[str, Any] = factory.dao(entity.name).insert(sample(factory, entity, **overrides), ttl=ttl)
    return row


def generated(f: Field, n: int) -> Any:
    """A valid value of ``f``'s kind, different for each ``n``."""
    values: dict[Kind, Any] = {
        Kind.ID: uuid.uuid4(),
        Kind.TIMESTAMP: 1_700_000_000_000 + n,
        Kind.STRING: f"{f.name}-{n}",
        Kind.BOOLEAN: True,
        Kind.NUMBER: n,
        Kind.URL: f"http://host{n}.example.com",
        Kind.TABLE: {},
        Kind.ARRAY: [f"{f.name}-{n}"],
        Kind.COUNTER: n,
    }
    return values[f.kind]


def _needs_value(f: Field, entity: Entity) -> bool:
    if f.auto or f.has_default:
        return False
    return f.required or f.unique or f.name in entity.primary_key


def _parent_value(factory: DAOFactory, f: Field) -> Any:
    parent = factory.catalog[f.foreign_entity or ""]
    return add(factory, parent)[f.foreign_field or "id"]
