"""Cascades run in the adapter, transitively, on entities beyond the core ones.

The extra entities' tables are made from their derived cqlengine models
(``sync_table`` through the factory's named connection).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cqlengine import management

from kong_orm import DAOFactory, EventType, UniqueError
from kong_orm.factory import DAOFactory as Factory
from kong_orm.schema.entities import CORE_ENTITIES
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind
from tests.cassandra.claims_check import assert_no_orphan_claims
from tests.cassandra.conftest import backend_of, config_for, fresh_keyspace

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
def nested(monkeypatch_module: pytest.MonkeyPatch, session: Any) -> Iterator[DAOFactory]:
    keyspace = fresh_keyspace()
    factory = Factory(config_for(keyspace=keyspace), entities=[*CORE_ENTITIES, REGIONS, ZONES, RACKS])
    backend = backend_of(factory)
    try:
        factory.run_migrations()
        monkeypatch_module.setenv("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")
        extra = [REGIONS.name, ZONES.name, RACKS.name]
        models = [backend.models[name] for name in extra]
        models += [model for name, model in backend.claim_models.items() if name.split("_")[0] in extra]
        for model in models:
            management.sync_table(model, keyspaces=[keyspace], connections=[backend.connection.cqlengine_name])
        yield factory
    finally:
        factory.close()
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


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
