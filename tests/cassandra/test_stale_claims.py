"""Claims left behind by a writer that died are taken over once they are old."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from kong_orm import DAOFactory, UniqueError
from kong_orm.backends.cassandra.claims import STALE_AFTER_MS
from kong_orm.repository import now_ms
from tests.cassandra.claims_check import assert_no_orphan_claims
from tests.cassandra.conftest import backend_of

OLD = STALE_AFTER_MS + 60_000


def _plant(factory: DAOFactory, session: Any, username: str, owner: uuid.UUID, age_ms: int) -> None:
    """A username claim as a writer that died after claiming would leave it."""
    table = backend_of(factory).keyspace.qualified("consumers_username_claims")
    cql = f"INSERT INTO {table} (value, owner_id, claimed_at) VALUES (%s, %s, %s) IF NOT EXISTS"
    assert session.execute(cql, [username, owner, now_ms() - age_ms]).was_applied


def _age(factory: DAOFactory, session: Any, username: str, owner: uuid.UUID) -> None:
    table = backend_of(factory).keyspace.qualified("consumers_username_claims")
    cql = f"UPDATE {table} SET claimed_at = %s WHERE value = %s IF owner_id = %s"
    assert session.execute(cql, [now_ms() - OLD, username, owner]).was_applied


def test_an_old_claim_without_its_row_is_taken_over(factory: DAOFactory, session: Any) -> None:
    _plant(factory, session, "orphaned", uuid.uuid4(), OLD)
    consumer = factory.consumers.insert({"username": "orphaned"})
    assert consumer["username"] == "orphaned"
    assert_no_orphan_claims(factory, session, "consumers")


def test_a_recent_claim_without_its_row_still_blocks(factory: DAOFactory, session: Any) -> None:
    _plant(factory, session, "in-flight", uuid.uuid4(), 0)
    with pytest.raises(UniqueError):
        factory.consumers.insert({"username": "in-flight"})


def test_an_old_claim_of_a_row_holding_the_value_blocks(factory: DAOFactory, session: Any) -> None:
    holder = factory.consumers.insert({"username": "held"})
    _age(factory, session, "held", holder["id"])
    with pytest.raises(UniqueError):
        factory.consumers.insert({"username": "held"})
    with pytest.raises(UniqueError):
        factory.consumers.update({"username": "held"}, {"id": factory.consumers.insert({"username": "x"})["id"]})


def test_an_old_claim_of_a_row_that_moved_on_is_taken_over(factory: DAOFactory, session: Any) -> None:
    mover = factory.consumers.insert({"username": "now"})
    _plant(factory, session, "abandoned", mover["id"], OLD)
    other = factory.consumers.insert({"username": "other"})
    assert factory.consumers.update({"username": "abandoned"}, {"id": other["id"]})["username"] == "abandoned"
    assert_no_orphan_claims(factory, session, "consumers")
