"""The cqlengine models, the entity definitions and the migrated tables agree."""
from __future__ import annotations

from typing import Any

import pytest

from kong_orm import DAOFactory
from kong_orm.backends.cassandra.models import (
    CQL_TYPES,
    claim_tables,
    declare,
    declare_claim,
    index_name,
    indexed_fields,
)
from kong_orm.schema.entities import CORE_ENTITIES
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Kind
from tests.cassandra.conftest import backend_of

ENTITIES = pytest.mark.parametrize("entity", CORE_ENTITIES, ids=lambda e: e.name)


def _columns(model: Any) -> list[tuple[str, str]]:
    return [(column.db_field_name, column.db_type) for column in model._columns.values()]


@ENTITIES
def test_model_has_a_column_per_field_of_the_stored_type(entity: Entity) -> None:
    model = declare(entity, keyspace="ks")
    assert model.__table_name__ == entity.name
    assert _columns(model) == [(f.name, CQL_TYPES[f.kind]) for f in entity.fields]


@ENTITIES
def test_model_key_is_the_entity_key(entity: Entity) -> None:
    model = declare(entity, keyspace="ks")
    partition = [c.db_field_name for c in model._partition_keys.values()]
    clustering = [c.db_field_name for c in model._clustering_keys.values()]
    assert partition + clustering == list(entity.primary_key)
    assert partition == [entity.primary_key[0]]


@ENTITIES
def test_every_filterable_field_but_the_partition_key_is_indexed(entity: Entity) -> None:
    model = declare(entity, keyspace="ks")
    indexed = {c.db_field_name for c in model._columns.values() if c.index}
    filterable = {f.name for f in entity.fields if f.kind not in (Kind.TABLE, Kind.ARRAY)}
    assert indexed == filterable - {entity.primary_key[0]} == {f.name for f in indexed_fields(entity)}


def test_each_unique_field_and_group_has_a_claim_table() -> None:
    names = {claim.name for entity in CORE_ENTITIES for claim in claim_tables(entity)}
    assert names == {
        "apis_name_claims",
        "apis_request_host_claims",
        "apis_request_path_claims",
        "consumers_custom_id_claims",
        "consumers_username_claims",
        "plugins_name_api_id_consumer_id_claims",
    }


@ENTITIES
def test_claim_models_are_keyed_by_value_and_name_their_owner(entity: Entity) -> None:
    for claim in claim_tables(entity):
        model = declare_claim(claim, keyspace="ks")
        value_type = "text" if claim.is_group else CQL_TYPES[entity[claim.fields[0]].kind]
        owners = [(f"owner_{name}", CQL_TYPES[entity[name].kind]) for name in entity.primary_key]
        assert _columns(model) == [("value", value_type), *owners, ("claimed_at", "timestamp")]
        assert list(model._primary_keys) == ["value"]


def _live_table(factory: DAOFactory, session: Any, name: str) -> Any:
    keyspace = backend_of(factory).settings.keyspace
    session.cluster.refresh_schema_metadata()
    return session.cluster.metadata.keyspaces[keyspace].tables[name]


def _assert_table_matches(model: Any, table: Any) -> None:
    assert {(name, column.cql_type) for name, column in table.columns.items()} == set(_columns(model))
    assert [c.name for c in table.partition_key] == [c.db_field_name for c in model._partition_keys.values()]
    assert [c.name for c in table.clustering_key] == [c.db_field_name for c in model._clustering_keys.values()]
    targets = {index.index_options["target"]: name for name, index in table.indexes.items()}
    indexed = {c.db_field_name for c in model._columns.values() if c.index}
    assert set(targets) == indexed
    assert all(targets[column] == index_name(table.name, column) for column in indexed)


@ENTITIES
def test_migrated_tables_match_the_models(factory: DAOFactory, session: Any, entity: Entity) -> None:
    backend = backend_of(factory)
    _assert_table_matches(backend.models[entity.name], _live_table(factory, session, entity.name))
    for claim in claim_tables(entity):
        _assert_table_matches(backend.claim_models[claim.name], _live_table(factory, session, claim.name))


def test_the_keyspace_holds_no_other_tables(factory: DAOFactory, session: Any) -> None:
    backend = backend_of(factory)
    session.cluster.refresh_schema_metadata()
    tables = set(session.cluster.metadata.keyspaces[backend.settings.keyspace].tables)
    assert tables == set(backend.models) | set(backend.claim_models) | {"schema_migrations"}


def test_models_query_through_the_factory_connection(factory: DAOFactory) -> None:
    consumer = factory.consumers.insert({"username": "modelled"})
    backend = backend_of(factory)
    found = backend.models["consumers"].objects(id=consumer["id"]).get()
    assert found.username == "modelled"
    claim = backend.claim_models["consumers_username_claims"].objects(value="modelled").get()
    assert claim.owner_id == consumer["id"]
