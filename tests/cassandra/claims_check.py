"""Compare the claim tables with the claims the live rows need."""
from __future__ import annotations

from typing import Any

from kong_orm import DAOFactory
from tests.cassandra.conftest import backend_of


def stored_claims(factory: DAOFactory, session: Any, entity_name: str) -> set[tuple[str, Any, tuple[Any, ...]]]:
    """``(claim table, value, owner key)`` of every claim row of an entity."""
    backend = backend_of(factory)
    claims = backend.keyspace.claims(factory.catalog[entity_name])
    found = set()
    for table in claims.tables:
        for row in session.execute(f"SELECT * FROM {table.table}"):
            found.add((table.claim.name, row.value, tuple(getattr(row, column) for column in table.owners)))
    return found


def needed_claims(factory: DAOFactory, entity_name: str) -> set[tuple[str, Any, tuple[Any, ...]]]:
    """The claims the entity's live rows need."""
    entity = factory.catalog[entity_name]
    claims = backend_of(factory).keyspace.claims(entity)
    needed = set()
    for row in factory.dao(entity_name).find_all():
        owner = tuple(row[name] for name in entity.primary_key)
        needed |= {(name, claim.value, owner) for name, claim in claims.of(row).items()}
    return needed


def assert_no_orphan_claims(factory: DAOFactory, session: Any, entity_name: str) -> None:
    assert stored_claims(factory, session, entity_name) == needed_claims(factory, entity_name)
