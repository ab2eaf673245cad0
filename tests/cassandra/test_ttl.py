"""TTL with Cassandra's own ``USING TTL``: rows and their claims expire together."""
from __future__ import annotations

import time
from typing import Any

from kong_orm import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key
from tests.cassandra.claims_check import assert_no_orphan_claims
from tests.cassandra.conftest import backend_of


def _row_ttl(factory: DAOFactory, session: Any, entity: str, column: str, key: Any) -> int | None:
    table = backend_of(factory).keyspace.qualified(entity)
    row = session.execute(f"SELECT TTL({column}) AS ttl FROM {table} WHERE id = %s", [key]).one()
    return None if row is None else row.ttl


def _claim_ttl(factory: DAOFactory, session: Any, claim: str, value: str) -> int | None:
    table = backend_of(factory).keyspace.qualified(claim)
    row = session.execute(f"SELECT TTL(owner_id) AS ttl FROM {table} WHERE value = %s", [value]).one()
    return None if row is None else row.ttl


def test_claims_carry_the_ttl_of_their_row(factory: DAOFactory, session: Any) -> None:
    consumer = factory.consumers.insert({"username": "brief", "custom_id": "brief-id"}, ttl=100)
    assert 95 <= _row_ttl(factory, session, "consumers", "username", consumer["id"]) <= 100
    assert 95 <= _claim_ttl(factory, session, "consumers_username_claims", "brief") <= 100
    assert 95 <= _claim_ttl(factory, session, "consumers_custom_id_claims", "brief-id") <= 100


def test_an_update_without_ttl_keeps_the_remaining_one(factory: DAOFactory, session: Any) -> None:
    consumer = factory.consumers.insert({"username": "before", "custom_id": "kept"}, ttl=100)
    factory.consumers.update({"username": "after"}, {"id": consumer["id"]})
    for column in ("username", "custom_id", "created_at"):
        assert 90 <= _row_ttl(factory, session, "consumers", column, consumer["id"]) <= 100
    assert 90 <= _claim_ttl(factory, session, "consumers_username_claims", "after") <= 100
    assert _claim_ttl(factory, session, "consumers_username_claims", "before") is None


def test_an_update_with_ttl_renews_the_row_and_every_claim(factory: DAOFactory, session: Any) -> None:
    consumer = factory.consumers.insert({"username": "lasting", "custom_id": "lasting-id"})
    assert _claim_ttl(factory, session, "consumers_username_claims", "lasting") is None
    # TTLs count whole seconds from the second a write lands in: 2 s leaves 1 or 2.
    assert factory.consumers.update({"custom_id": "changed"}, {"id": consumer["id"]}, ttl=2) is not None
    assert _claim_ttl(factory, session, "consumers_username_claims", "lasting") in (1, 2)
    assert _claim_ttl(factory, session, "consumers_custom_id_claims", "changed") in (1, 2)
    time.sleep(3.2)
    assert factory.consumers.find({"id": consumer["id"]}) is None
    assert factory.consumers.count() == 0
    factory.consumers.insert({"username": "lasting", "custom_id": "changed"})


def test_an_update_without_ttl_after_one_with_ttl_keeps_expiring(factory: DAOFactory) -> None:
    consumer = factory.consumers.insert({"username": "short"}, ttl=2)
    assert factory.consumers.update({"custom_id": "still-short"}, {"id": consumer["id"]}) is not None
    time.sleep(3.2)
    assert factory.consumers.find_all() == []
    factory.consumers.insert({"username": "short", "custom_id": "still-short"})


PARENT_TTL = 5  # long enough for the writes below on a loaded server


def _plugin_ttl(factory: DAOFactory, session: Any, plugin: dict[str, Any]) -> int | None:
    table = backend_of(factory).keyspace.qualified("plugins")
    cql = f"SELECT TTL(config) AS ttl FROM {table} WHERE id = %s AND name = %s"
    row = session.execute(cql, [plugin["id"], plugin["name"]]).one()
    return None if row is None else row.ttl


def test_a_child_lives_no_longer_than_its_parent(factory: DAOFactory, session: Any) -> None:
    api = add_api(factory, ttl=PARENT_TTL)
    lasting = add_api(factory, request_host="lasting.example.com")
    plugin = add_plugin(factory, api)
    longer = add_plugin(factory, api, consumer_id=add_consumer(factory)["id"])
    assert factory.plugins.update({"enabled": False}, plugin_key(longer), ttl=100) is not None
    moved = add_plugin(factory, lasting, consumer_id=add_consumer(factory)["id"])
    assert factory.plugins.update({"api_id": api["id"]}, plugin_key(moved)) is not None
    for child in (plugin, longer, moved):
        assert 0 < (_plugin_ttl(factory, session, child) or 0) <= PARENT_TTL
    time.sleep(PARENT_TTL + 1.2)
    assert factory.plugins.find_all() == []
    assert_no_orphan_claims(factory, session, "plugins")
    assert factory.apis.find_all() == [lasting]


def test_a_child_of_a_lasting_parent_keeps_its_own_ttl(factory: DAOFactory, session: Any) -> None:
    values = {"name": "rate-limiting", "api_id": add_api(factory)["id"], "config": {"second": 5}}
    plugin = factory.plugins.insert(values, ttl=100)
    assert 95 <= (_plugin_ttl(factory, session, plugin) or 0) <= 100
    assert _plugin_ttl(factory, session, add_plugin(factory, add_api(factory, request_host="b.example.com"))) is None
