"""The cqlengine models: derived from the entity definitions, the source of
every statement, in agreement with the migrated tables, usable directly."""
from __future__ import annotations

import gc
import re
import uuid
import weakref
from typing import Any

import pytest
from cassandra.cqlengine import columns
from cassandra.cqlengine import connection as cqlengine_connection
from cassandra.cqlengine.models import Model

from kong_orm import DAOFactory
from kong_orm.backends.cassandra.cql import EntityCql
from kong_orm.backends.cassandra.migrations.runner import available, component_folders
from kong_orm.backends.cassandra.models import (
    CASCADES,
    EXPIRIES,
    INDEX_CLASS,
    LOOKUP_FIELDS,
    claim_tables,
    declare,
    declare_cascades,
    declare_claim,
    declare_expiries,
    index_name,
    indexed_fields,
)
from kong_orm.registry import CORE, Catalog
from kong_orm.schema.entities import CORE_ENTITIES
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Kind
from tests.cassandra.conftest import backend_of, open_factory

ENTITIES = pytest.mark.parametrize("entity", CORE_ENTITIES, ids=lambda e: e.name)
STORED_AS = {
    Kind.ID: "uuid",
    Kind.TIMESTAMP: "timestamp",
    Kind.STRING: "text",
    Kind.BOOLEAN: "boolean",
    Kind.NUMBER: "double",
    Kind.URL: "text",
    Kind.TABLE: "text",
    Kind.ARRAY: "text",
}


def _columns(model: Any) -> list[tuple[str, str]]:
    return [(column.db_field_name, column.db_type) for column in model._columns.values()]


@ENTITIES
def test_model_has_a_column_per_field_of_the_stored_type(entity: Entity) -> None:
    model = declare(entity, keyspace="ks")
    assert model.__table_name__ == entity.name
    assert _columns(model) == [(f.name, STORED_AS[f.kind]) for f in entity.fields]


@ENTITIES
def test_model_key_is_the_entity_key(entity: Entity) -> None:
    model = declare(entity, keyspace="ks")
    partition = [c.db_field_name for c in model._partition_keys.values()]
    clustering = [c.db_field_name for c in model._clustering_keys.values()]
    assert partition + clustering == list(entity.primary_key)
    assert partition == [entity.primary_key[0]]


@ENTITIES
def test_only_the_fields_lookups_go_through_are_indexed(entity: Entity) -> None:
    model = declare(entity, keyspace="ks")
    indexed = {c.db_field_name for c in model._columns.values() if c.index}
    looked_up = {f.name for f in entity.fields if f.foreign or f.unique} | set(LOOKUP_FIELDS.get(entity.name, ()))
    looked_up |= {name for group in entity.unique_together for name in group.fields}
    assert indexed == looked_up - {entity.primary_key[0]} == {f.name for f in indexed_fields(entity)}


def test_core_indexes_leave_out_flags_and_timestamps() -> None:
    indexed = {(e.name, f.name) for e in CORE_ENTITIES for f in indexed_fields(e)}
    assert indexed == {
        ("apis", "name"), ("apis", "request_host"), ("apis", "request_path"),
        ("consumers", "custom_id"), ("consumers", "username"),
        ("plugins", "api_id"), ("plugins", "consumer_id"), ("plugins", "name"),
    }


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
        value_type = "text" if claim.is_group else STORED_AS[entity[claim.fields[0]].kind]
        owners = [(f"owner_{name}", STORED_AS[entity[name].kind]) for name in entity.primary_key]
        assert _columns(model) == [("value", value_type), *owners, ("claimed_at", "timestamp")]
        assert list(model._primary_keys) == ["value"]


def test_statements_are_built_from_the_model() -> None:
    class Thing(Model):  # attribute names differ from the stored names on purpose
        __table_name__ = "things"
        __keyspace__ = "ks"
        ident = columns.UUID(db_field="id", partition_key=True)
        kind = columns.Text(db_field="order", primary_key=True)
        label = columns.Text(db_field="label", index=True)
        note = columns.Text(db_field="note")

    cql = EntityCql(Thing)
    assert cql.select_by_pk == 'SELECT id, "order", label, note FROM ks.things WHERE id = ? AND "order" = ?'
    assert cql.select_where(("label",)) == 'SELECT id, "order", label, note FROM ks.things WHERE label = ?'
    assert cql.select_where(("note",)).endswith(" WHERE note = ? ALLOW FILTERING")  # unindexed: a filtered scan
    assert cql.select_where(("id",)).endswith(" WHERE id = ?")
    assert cql.delete == 'DELETE FROM ks.things WHERE id = ? AND "order" = ? IF EXISTS'


def test_statement_texts_are_kept_per_instance() -> None:
    first, second = (EntityCql(declare(CORE_ENTITIES[0], keyspace=name)) for name in ("one", "two"))
    assert first.select_where(("name",)).endswith("FROM one.apis WHERE name = ?")
    assert second.select_where(("name",)).endswith("FROM two.apis WHERE name = ?")
    assert first.select_where(("name",)) is first.select_where(("name",))


def test_a_closed_factory_is_not_kept_alive(factory: DAOFactory) -> None:
    closed = open_factory(keyspace=backend_of(factory).settings.keyspace)
    closed.consumers.find_all({"username": "nobody"})
    closed.consumers.count({"username": "nobody"})
    keyspace = backend_of(closed).keyspace
    consumers = closed.catalog["consumers"]
    held = [closed, keyspace.cql(consumers), *keyspace.claims(consumers).tables, keyspace.models["consumers"]]
    closed.close()
    gone = [weakref.ref(thing) for thing in held]
    del closed, keyspace, held
    gc.collect()
    assert [ref() for ref in gone] == [None] * len(gone)


_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS ks\.(\w+) \((.*)\)$")
_CREATE_INDEX = re.compile(r"CREATE (CUSTOM )?INDEX IF NOT EXISTS (\w+) ON ks\.(\w+) \((\w+)\)(?: USING '(\w+)')?$")
_DROP_INDEX = re.compile(r"DROP INDEX IF EXISTS ks\.(\w+)$")
_KEY_CLAUSE = re.compile(r",\s*PRIMARY KEY \((.*)\)$")


def _migrated_tables(folder: Any) -> dict[str, dict[str, Any]]:
    """Each table a component's migrations leave, read from their CQL text.

    Indexes are ``(name, column, class)``, class ``None`` for a legacy one.
    """
    tables: dict[str, dict[str, Any]] = {}
    for statement in (s for migration in available(folder) for s in migration.statements("ks")):
        if found := _CREATE_TABLE.match(statement):
            tables[found[1]] = _table_of(found[2].strip())
        elif found := _CREATE_INDEX.match(statement):
            assert bool(found[1]) == bool(found[5]), statement
            tables[found[3]]["indexes"].add((found[2], found[4], found[5]))
        elif found := _DROP_INDEX.match(statement):
            for table in tables.values():
                table["indexes"] = {index for index in table["indexes"] if index[0] != found[1]}
        else:
            raise AssertionError(f"unexpected statement in a migration: {statement}")
    return tables


def _table_of(body: str) -> dict[str, Any]:
    key = _KEY_CLAUSE.search(body)
    columns = [part.split() for part in (body[: key.start()] if key else body).split(",")]
    if key is None:  # "name type PRIMARY KEY"
        partition, clustering = [name for name, *rest in columns if rest[1:] == ["PRIMARY", "KEY"]], []
    else:
        spec = key[1]
        if spec.startswith("("):
            inner, _, rest = spec[1:].partition(")")
            partition, clustering = inner.split(","), rest.split(",")[1:]
        else:
            partition, *clustering = spec.split(",")
            partition = [partition]
    return {
        "columns": [(name, kind) for name, kind, *_ in columns],
        "key": ([p.strip() for p in partition], [c.strip() for c in clustering]),
        "indexes": set(),
    }


_CATALOG = Catalog.serving()
_FOLDERS = component_folders(_CATALOG)


@pytest.mark.parametrize("component", list(_FOLDERS))
def test_the_migrations_create_exactly_the_models_tables(component: str) -> None:
    entities = _CATALOG.owned_by(component)
    models = {entity.name: declare(entity, keyspace="ks") for entity in entities}
    models |= {c.name: declare_claim(c, keyspace="ks") for e in entities for c in claim_tables(e)}
    if component == CORE:
        models[EXPIRIES] = declare_expiries(keyspace="ks")
        models[CASCADES] = declare_cascades(keyspace="ks")
    migrated = _migrated_tables(_FOLDERS[component])
    assert set(migrated) == set(models)
    for name, model in models.items():
        table = migrated[name]
        assert table["columns"] == _columns(model), name
        partition = [c.db_field_name for c in model._partition_keys.values()]
        clustering = [c.db_field_name for c in model._clustering_keys.values()]
        assert table["key"] == (partition, clustering), name
        columns = [c.db_field_name for c in model._columns.values() if c.index]
        indexed = {(index_name(name, column), column, INDEX_CLASS) for column in columns}
        assert table["indexes"] == indexed, name


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
    assert all(index.kind == "CUSTOM" for index in table.indexes.values())
    assert all(index.index_options["class_name"].endswith(INDEX_CLASS) for index in table.indexes.values())
    for option, value in (model.__options__ or {}).items():
        assert table.options[option] == value


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
    assert tables == set(backend.models) | set(backend.claim_models) | {EXPIRIES, CASCADES, "schema_migrations"}


def test_the_expiries_and_cascades_tables_match_their_models(factory: DAOFactory, session: Any) -> None:
    keyspace = backend_of(factory).keyspace
    _assert_table_matches(keyspace.expiries_model, _live_table(factory, session, EXPIRIES))
    _assert_table_matches(keyspace.cascades_model, _live_table(factory, session, CASCADES))


def test_models_query_through_the_factory_connection(factory: DAOFactory) -> None:
    consumer = factory.consumers.insert({"username": "modelled"})
    backend = backend_of(factory)
    found = backend.models["consumers"].objects(id=consumer["id"]).get()
    assert found.username == "modelled"
    claim = backend.claim_models["consumers_username_claims"].objects(value="modelled").get()
    assert claim.owner_id == consumer["id"]


def test_models_work_before_the_factory_is_used(factory: DAOFactory) -> None:
    fresh = open_factory(keyspace=backend_of(factory).settings.keyspace)
    consumers = backend_of(fresh).models["consumers"]
    try:
        created = consumers.create(id=uuid.uuid4(), username="direct")
        assert consumers.objects(id=created.id).get().username == "direct"
        assert [c.id for c in consumers.filter(username="direct")] == [created.id]
        assert fresh.consumers.find({"id": created.id})["username"] == "direct"  # type: ignore[index]
    finally:
        fresh.close()
    assert backend_of(fresh).connection.cqlengine_name not in cqlengine_connection._connections
