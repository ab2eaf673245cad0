"""The contract every entity meets, core and plugin ones alike, derived from its definition.

The entities are those a factory of this process serves by default (core,
built-in, installed and registered plugins); counter tables have their own
tests. Rows come from :mod:`kong_orm.testing.contract.samples`.
"""
from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from kong_orm.errors import ForeignKeyError, SchemaError, UniqueError
from kong_orm.events import EventType
from kong_orm.factory import DAOFactory
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind
from kong_orm.testing.contract.samples import add, generated, sample

_CATALOG = Catalog.serving()
_ENTITIES = [entity for entity in _CATALOG if not entity.counter_fields]
_PLAIN_KINDS = (Kind.STRING, Kind.URL, Kind.NUMBER, Kind.BOOLEAN)


def _pairs(select: Any) -> list[Any]:
    return [
        pytest.param(entity.name, f.name, id=f"{entity.name}.{f.name}") for entity in _ENTITIES for f in select(entity)
    ]


def _editable(entity: Entity) -> list[Field]:
    """A field a partial update can change freely (first one without a check)."""
    fields = [
        f for f in entity.fields
        if f.kind in _PLAIN_KINDS and not (f.auto or f.immutable or f.unique or f.foreign or f.schema or f.normalize)
        and f.name not in entity.primary_key
    ]
    fields.sort(key=lambda f: f.check is not None)
    return fields[:1]


def _required(entity: Entity) -> list[Field]:
    return [f for f in entity.fields if f.required and not f.auto and not f.has_default]


ENTITY_NAMES = [pytest.param(entity.name, id=entity.name) for entity in _ENTITIES]
UNIQUE_FIELDS = _pairs(lambda entity: entity.unique_fields)
FOREIGN_FIELDS = _pairs(lambda entity: [f for f in entity.foreign_fields if f.required])
EDITABLE_FIELDS = _pairs(_editable)
IMMUTABLE_FIELDS = _pairs(lambda entity: [f for f in entity.fields if f.immutable and f.name not in entity.primary_key])
GROUPS = [
    pytest.param(entity.name, index, id=f"{entity.name}.{'+'.join(group.fields)}")
    for entity in _ENTITIES
    for index, group in enumerate(entity.unique_together)
]


def _entity(factory: DAOFactory, name: str) -> Entity:
    if name not in factory.catalog:
        pytest.skip(f"{name} is not served by this factory")
    return factory.catalog[name]


def _key(entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in entity.primary_key}


def _recording(factory: DAOFactory) -> tuple[list[tuple[str, str, dict[str, Any]]], Any]:
    events: list[tuple[str, str, dict[str, Any]]] = []
    return events, factory.events.subscribe(lambda kind, name, row: events.append((kind, name, dict(row))))


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_an_inserted_row_reads_back_whole(factory: DAOFactory, name: str) -> None:
    entity = _entity(factory, name)
    events, unsubscribe = _recording(factory)
    try:
        row = add(factory, entity)
    finally:
        unsubscribe()
    assert set(row) == set(entity.field_names)
    assert factory.dao(name).find(_key(entity, row)) == row
    assert (EventType.ENTITY_CREATED, name, row) in events
    assert factory.dao(name).count() == 1


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_required_fields_and_unknown_fields_are_refused(factory: DAOFactory, name: str) -> None:
    entity = _entity(factory, name)
    values = sample(factory, entity, no_such_field="x")
    for f in _required(entity):
        values.pop(f.name, None)
    with pytest.raises(SchemaError) as raised:
        factory.dao(name).insert(values)
    expected = {f.name: f"{f.name} is required" for f in _required(entity)}
    expected["no_such_field"] = "no_such_field is an unknown field"
    assert expected.items() <= raised.value.errors.items()
    assert factory.dao(name).count() == 0


@pytest.mark.parametrize("name, field", UNIQUE_FIELDS)
def test_a_unique_value_is_taken_once(factory: DAOFactory, name: str, field: str) -> None:
    entity = _entity(factory, name)
    first = add(factory, entity)
    with pytest.raises(UniqueError) as raised:
        add(factory, entity, **{field: first[field]})
    # every colliding field is named: a default derived from this value may collide too
    assert raised.value.errors[field] == f"already exists with value '{first[field]}'"
    assert all(str(message).startswith("already exists with value") for message in raised.value.errors.values())
    assert factory.dao(name).count() == 1


@pytest.mark.parametrize("name, index", GROUPS)
def test_a_unique_group_is_taken_once(factory: DAOFactory, name: str, index: int) -> None:
    entity = _entity(factory, name)
    group = entity.unique_together[index]
    first = add(factory, entity)
    with pytest.raises(UniqueError) as raised:
        add(factory, entity, **{field: first[field] for field in group.fields})
    assert str(raised.value) == group.message
    assert factory.dao(name).count() == 1


@pytest.mark.parametrize("name, field", FOREIGN_FIELDS)
def test_a_missing_parent_is_a_foreign_key_error(factory: DAOFactory, name: str, field: str) -> None:
    entity = _entity(factory, name)
    missing = uuid.uuid4()
    dangling: dict[str, Any] = {field: missing}
    with pytest.raises(ForeignKeyError) as raised:
        add(factory, entity, **dangling)
    assert raised.value.errors == {field: f"does not exist with value '{missing}'"}
    assert factory.dao(name).count() == 0


@pytest.mark.parametrize("name, field", FOREIGN_FIELDS)
def test_deleting_the_parent_deletes_the_row(factory: DAOFactory, name: str, field: str) -> None:
    entity = _entity(factory, name)
    row = add(factory, entity)
    parent = factory.catalog[entity[field].foreign_entity or ""]
    parent_key = {entity[field].foreign_field or "id": row[field]}
    events, unsubscribe = _recording(factory)
    try:
        assert factory.dao(parent.name).delete(parent_key) is not None
    finally:
        unsubscribe()
    assert factory.dao(name).find(_key(entity, row)) is None
    assert (EventType.ENTITY_DELETED, name, row) in events


@pytest.mark.parametrize("name, field", EDITABLE_FIELDS)
def test_a_partial_update_changes_only_the_given_field(factory: DAOFactory, name: str, field: str) -> None:
    entity = _entity(factory, name)
    row = add(factory, entity)
    value = (not row[field]) if entity[field].kind is Kind.BOOLEAN else generated(entity[field], 99)
    events, unsubscribe = _recording(factory)
    try:
        updated = factory.dao(name).update({field: value}, _key(entity, row))
    finally:
        unsubscribe()
    assert updated == {**row, field: value}
    assert factory.dao(name).find(_key(entity, row)) == updated
    assert events == [(EventType.ENTITY_UPDATED, name, row)]


@pytest.mark.parametrize("name, field", IMMUTABLE_FIELDS)
def test_an_immutable_field_cannot_change(factory: DAOFactory, name: str, field: str) -> None:
    entity = _entity(factory, name)
    row = add(factory, entity)
    other = sample(factory, entity).get(field) or generated(entity[field], 7)
    if other == row[field]:
        other = generated(entity[field], 8)
    with pytest.raises(SchemaError) as raised:
        factory.dao(name).update({field: other}, _key(entity, row))
    assert raised.value.errors == {field: f"{field} cannot be updated"}
    assert factory.dao(name).find(_key(entity, row)) == row


@pytest.mark.parametrize("name", ENTITY_NAMES)
def test_pages_and_filters_see_every_row_once(factory: DAOFactory, name: str) -> None:
    entity = _entity(factory, name)
    rows = [add(factory, entity) for _ in range(5)]
    seen: list[Any] = []
    offset = None
    while True:
        page, offset = factory.dao(name).find_page(offset=offset, size=2)
        seen += [tuple(row[key] for key in entity.primary_key) for row in page]
        if offset is None:
            break
    assert sorted(map(str, seen)) == sorted(str(tuple(row[key] for key in entity.primary_key)) for row in rows)
    for f in entity.foreign_fields:
        if rows[0][f.name] is not None:
            assert factory.dao(name).find_all({f.name: rows[0][f.name]}) == [rows[0]]
            assert factory.dao(name).count({f.name: rows[0][f.name]}) == 1


def test_rows_of_every_entity_expire_with_their_ttl(factory: DAOFactory) -> None:
    served = [entity for entity in _ENTITIES if entity.name in factory.catalog]
    keys = [(entity, _key(entity, add(factory, entity, ttl=1))) for entity in served]
    time.sleep(2.2)
    assert [entity.name for entity, key in keys if factory.dao(entity.name).find(key) is not None] == []
