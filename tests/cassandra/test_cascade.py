"""Cascades run in the adapter, transitively, on entities beyond the core ones.

The extra entities' tables are made by ``run_migrations()`` from their
derived cqlengine models.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kong_orm import DAOFactory, EventType, UniqueError
from kong_orm.factory import DAOFactory as Factory
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind
from tests.cassandra.claims_check import assert_no_orphan_claims
from tests.cassandra.conftest import SCHEMA_TIMEOUT, config_for, fresh_keyspace

REGIONS = Entity(name="regions", fields=(id_field(), created_at_field(), Field("code", Kind.STRING, unique=True)))
ZONES = Entity(
    name="zones",
    fields=(id_field(), created_at_field(), Field("region_id", Kind.ID, required=True, foreign="regions.id")),
)
RACKS = Entity(
    name="racks",
    fields=(
        id_field(),
        created_at_field(),
        Field("zone_id", Kind.ID, required=True, foreign="zones.id"),
        Field("label", Kind.STRING, unique=True),
    ),
)


@pytest.fixture(scope="module")
def nested(session: Any) -> Iterator[DAOFactory]:
    keyspace = fresh_keyspace()
    factory = Factory(config_for(keyspace=keyspace, plugins=[]), entities=[REGIONS, ZONES, RACKS])
    try:
        # the service's own entities have no CQL files: their tables come from their models
        pending = factory.pending_migrations()
        assert pending["core"] == ["0001_core_schema", "0002_indexes", "0003_expiries", "0004_cascades"]
        assert pending["service"][:3] == ["table regions", "table regions_code_claims", "table zones"]
        assert factory.run_migrations() == pending
        assert factory.pending_migrations() == {}
        yield factory
    finally:
        factory.close()
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=SCHEMA_TIMEOUT)


def test_deleting_a_row_deletes_its_descendants(nested: DAOFactory, session: Any) -> None:
    region = nested.dao("regions").insert({"code": "eu"})
    zones = [nested.dao("zones").insert({"region_id": region["id"]}) for _ in range(2)]
    racks = [nested.dao("racks").insert({"zone_id": zone["id"], "label": f"r{n}"}) for n, zone in enumerate(zones)]
    events: list[tuple[str, str, Any]] = []
    unsubscribe = nested.events.subscribe(lambda kind, entity, row: events.append((kind, entity, dict(row))))
    try:
        assert nested.dao("regions").delete({"id": region["id"]}) == region
    finally:
        unsubscribe()
    assert events[0] == (EventType.ENTITY_DELETED, "regions", region)
    deleted = {(entity, row["id"]) for _, entity, row in events[1:]}
    assert deleted == {("zones", z["id"]) for z in zones} | {("racks", r["id"]) for r in racks}
    assert nested.dao("zones").count() == 0 and nested.dao("racks").count() == 0
    for name in ("regions", "racks"):
        assert_no_orphan_claims(nested, session, name)
    zone = nested.dao("zones").insert({"region_id": nested.dao("regions").insert({"code": "eu"})["id"]})
    nested.dao("racks").insert({"zone_id": zone["id"], "label": "r0"})


def test_unique_values_of_extra_entities_are_claimed(nested: DAOFactory) -> None:
    nested.dao("regions").insert({"code": "us"})
    with pytest.raises(UniqueError) as raised:
        nested.dao("regions").insert({"code": "us"})
    assert str(raised.value) == "code=already exists with value 'us'"
