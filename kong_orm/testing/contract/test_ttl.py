"""TTL: rows vanish from every read once expired, and free their unique values."""
from __future__ import annotations

import time

import pytest

from kong_orm.errors import ForeignKeyError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer

# Cassandra counts TTLs in whole seconds from the second a write lands in, so a
# 1 s TTL may end at once: rows that must be seen alive first live 2 s.
TTL = 2


def test_expired_rows_vanish_and_free_their_unique_values(factory: DAOFactory) -> None:
    brief = factory.consumers.insert({"username": "brief", "custom_id": "b"}, ttl=TTL)
    short_lived_api = add_api(factory, ttl=TTL)
    lasting = add_consumer(factory, username="lasting")
    node = factory.nodes.insert({"name": "n1", "cluster_listening_address": "127.0.0.1:1"})
    factory.nodes.update({"cluster_listening_address": "127.0.0.1:2"}, {"name": "n1"}, ttl=TTL)
    assert factory.consumers.find({"id": brief["id"]}) == brief
    assert factory.nodes.find({"name": "n1"}) == {**node, "cluster_listening_address": "127.0.0.1:2"}
    time.sleep(TTL + 1.2)
    assert factory.consumers.find({"id": brief["id"]}) is None
    assert factory.consumers.find_all() == [lasting]
    assert factory.consumers.count() == 1
    assert factory.consumers.find_page() == ([lasting], None)
    assert factory.consumers.find_all({"username": "brief"}) == []
    assert factory.nodes.find({"name": node["name"]}) is None
    again = factory.consumers.insert({"username": "brief", "custom_id": "b"})
    assert factory.consumers.find({"id": again["id"]}) == again
    assert factory.consumers.delete({"id": brief["id"]}) is None
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert({"name": "rate-limiting", "api_id": short_lived_api["id"], "config": {"second": 1}})
    assert raised.value.errors == {"api_id": f"does not exist with value '{short_lived_api['id']}'"}


@pytest.mark.parametrize("ttl", [0, -5, "10", 1.5, 10**9])
def test_ttl_must_be_a_positive_int(factory: DAOFactory, ttl: object) -> None:
    with pytest.raises(ValueError):
        factory.consumers.insert({"username": "x"}, ttl=ttl)  # type: ignore[arg-type]
    assert factory.consumers.count() == 0
