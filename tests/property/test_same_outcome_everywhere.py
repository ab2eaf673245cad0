"""Every verb, on every core entity, given arbitrary values, on every backend at once:

- the outcome is a stored row that reads back equal, or a documented error
  (``SchemaError``, ``UniqueError``, ``ForeignKeyError``; ``TypeError`` or
  ``ValueError`` for misuse), never a ``DatabaseError`` or any other exception;
- a call that fails leaves the rows as they were;
- every backend answers the same input with the same outcome.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kong_orm import DAOFactory
from kong_orm.errors import ForeignKeyError, SchemaError, UniqueError
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Kind
from tests.property.strategies import ENTITIES, changes, ids, valid_rows

# The Cassandra driver's own threads use the random module, now and then while
# a strategy draws; hypothesis would take that for the strategy's doing.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")

Factories = dict[str, DAOFactory]
Outcome = tuple[str, Any]
MISUSE = (TypeError, ValueError)
ENTITY_NAMES = list(ENTITIES)
MAX_PAGES = 5


def outcome_of(call: Callable[[], Any]) -> Outcome:
    """``("ok", result)``, or the documented error as ``(class name, detail)``; anything else propagates.

    The detail of a ``SchemaError`` is its errors (made in the centre, the same
    everywhere); of a unique or foreign-key error only the class is compared, as
    stores may find the colliding fields in another order.
    """
    try:
        return "ok", call()
    except SchemaError as exc:
        return type(exc).__name__, exc.errors or exc.message
    except (UniqueError, ForeignKeyError) as exc:
        return type(exc).__name__, None
    except MISUSE as exc:
        if type(exc) not in MISUSE:  # a subclass is an internal error leaking out
            raise
        return type(exc).__name__, str(exc)


def everywhere(factories: Factories, call: Callable[[DAOFactory], Any]) -> dict[str, Outcome]:
    return {backend: outcome_of(functools.partial(call, factory)) for backend, factory in factories.items()}


def the_same(outcomes: dict[str, Outcome], *, ignoring: frozenset[str] = frozenset()) -> Outcome:
    """The one outcome of every backend (a row compared without the fields ``ignoring``)."""

    def comparable(outcome: Outcome) -> Outcome:
        kind, value = outcome
        if kind == "ok" and isinstance(value, dict):
            return kind, {name: item for name, item in value.items() if name not in ignoring}
        return outcome

    first = comparable(next(iter(outcomes.values())))
    assert all(comparable(outcome) == first for outcome in outcomes.values()), _differences(outcomes)
    return first


def _differences(outcomes: dict[str, Outcome]) -> str:
    """What each backend answered unlike the first (for lists of rows: the rows only it has)."""
    (first_backend, (first_kind, first)), *others = outcomes.items()
    lines = [f"{first_backend}: {first_kind}"]
    for backend, (kind, value) in others:
        if kind == first_kind == "ok" and isinstance(value, list) and isinstance(first, list):
            lines.append(f"{backend} only: {[r for r in value if r not in first]}")
            lines.append(f"{first_backend} only: {[r for r in first if r not in value]}")
        else:
            lines.append(f"{backend}: {kind} {value!r:.2000} vs {first!r:.2000}")
    return "\n".join(lines)


def all_ok(outcomes: dict[str, Outcome]) -> Any:
    kind, value = the_same(outcomes)
    assert kind == "ok", outcomes
    return value


def key_of(entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in entity.primary_key}


def by_key(entity: Entity, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: [str(row[name]) for name in entity.primary_key])


def generated_on_write(entity: Entity, values: dict[Any, Any]) -> frozenset[str]:
    """The auto fields a store would fill (each backend picks its own value)."""
    return frozenset(f.name for f in entity.fields if f.auto and values.get(f.name) is None)


def insert_everywhere(factories: Factories, entity: Entity, row: dict[str, Any]) -> dict[str, Any]:
    return all_ok(everywhere(factories, lambda f: f.dao(entity.name).insert(row)))


def with_parent(factories: Factories, entity: Entity, row: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """Plugins get an api to belong to, new on every backend."""
    if entity.name == "plugins":
        api = insert_everywhere(factories, ENTITIES["apis"], data.draw(valid_rows(ENTITIES["apis"])))
        row = {"api_id": api["id"], **row}
    return row


def rows_of(factory: DAOFactory, entity: Entity) -> list[dict[str, Any]]:
    return by_key(entity, factory.dao(entity.name).find_all())


@pytest.mark.parametrize("entity_name", ENTITY_NAMES)
@given(data=st.data())
def test_insert(factories: Factories, entity_name: str, data: st.DataObject) -> None:
    entity = ENTITIES[entity_name]
    values = {**with_parent(factories, entity, data.draw(valid_rows(entity)), data), **data.draw(changes(entity))}
    counts = {backend: f.dao(entity_name).count() for backend, f in factories.items()}
    outcomes = everywhere(factories, lambda f: f.dao(entity_name).insert(values))
    generated = generated_on_write(entity, values)
    the_same(outcomes, ignoring=generated)
    for backend, factory in factories.items():
        kind, stored = outcomes[backend]
        dao = factory.dao(entity_name)
        if kind != "ok":
            assert dao.count() == counts[backend], (backend, outcomes)
            continue
        assert dao.find(key_of(entity, stored)) == stored, backend
        if generated:  # each backend chose its own id or time: keep the stores alike
            dao.delete(key_of(entity, stored))
    assert {kind for kind, _ in outcomes.values()} <= {"ok", "SchemaError", "UniqueError", "ForeignKeyError"}


@pytest.mark.parametrize("entity_name", ENTITY_NAMES)
@given(data=st.data())
def test_update(factories: Factories, entity_name: str, data: st.DataObject) -> None:
    entity = ENTITIES[entity_name]
    row = insert_everywhere(factories, entity, with_parent(factories, entity, data.draw(valid_rows(entity)), data))
    key = data.draw(st.one_of(st.just(key_of(entity, row)), changes(entity, max_size=2), st.just("not a dict")))
    values = data.draw(st.one_of(changes(entity), st.just({}), st.just(None)))
    full = data.draw(st.booleans())
    kind, updated = the_same(everywhere(factories, lambda f: f.dao(entity_name).update(values, key, full=full)))
    for factory in factories.values():
        dao = factory.dao(entity_name)
        if kind == "ok" and updated is not None:
            assert dao.find(key_of(entity, updated)) == updated
            if key_of(entity, updated) != key_of(entity, row):
                assert dao.find(key_of(entity, row)) == row
        else:
            assert dao.find(key_of(entity, row)) == row


@pytest.mark.parametrize("entity_name", ENTITY_NAMES)
@given(data=st.data())
def test_find_and_delete_by_any_key(factories: Factories, entity_name: str, data: st.DataObject) -> None:
    entity = ENTITIES[entity_name]
    row = insert_everywhere(factories, entity, with_parent(factories, entity, data.draw(valid_rows(entity)), data))
    misuse = st.sampled_from([None, [], "x"])
    key = data.draw(st.one_of(st.just(key_of(entity, row)), changes(entity, max_size=2), misuse))
    found = the_same(everywhere(factories, lambda f: f.dao(entity_name).find(key)))
    deleted = the_same(everywhere(factories, lambda f: f.dao(entity_name).delete(key)))
    assert found[0] == deleted[0] and (found[0] != "ok" or found == deleted)
    for factory in factories.values():
        still_there = factory.dao(entity_name).find(key_of(entity, row))
        assert still_there == (None if deleted == ("ok", row) else row)


def _filters(entity: Entity, data: st.DataObject, rows: list[dict[str, Any]]) -> Any:
    filterable = [f.name for f in entity.fields if f.kind not in (Kind.TABLE, Kind.ARRAY)]
    taken = st.sampled_from(rows).flatmap(
        lambda row: st.lists(st.sampled_from(filterable), min_size=1, max_size=2).map(
            lambda names: {name: row[name] for name in names}
        )
    ) if rows else st.just({})
    return data.draw(st.one_of(taken, changes(entity, max_size=2), st.just(None), st.just(["x"])))


@pytest.mark.parametrize("entity_name", ENTITY_NAMES)
@given(data=st.data())
def test_filters(factories: Factories, entity_name: str, data: st.DataObject) -> None:
    entity = ENTITIES[entity_name]
    rows = rows_of(next(iter(factories.values())), entity)
    filter_ = _filters(entity, data, rows)
    kind, found = the_same(everywhere(factories, lambda f: by_key(entity, f.dao(entity_name).find_all(filter_))))
    counted = the_same(everywhere(factories, lambda f: f.dao(entity_name).count(filter_)))
    assert counted == ("ok", len(found)) if kind == "ok" else counted[0] == kind
    size = data.draw(st.one_of(st.integers(1, 4), st.sampled_from([0, -1, "2", 2.0, None, 10**9])))
    pages = everywhere(factories, lambda f: _first_pages(f, entity_name, filter_, size))
    assert the_same({backend: (kind, [len(page) for page in value]) for backend, (kind, value) in pages.items()})
    for page_kind, value in pages.values():
        seen = [row for page in value for row in page]
        assert page_kind != "ok" or (kind == "ok" and len(seen) == len({repr(key_of(entity, r)) for r in seen}))
        assert page_kind != "ok" or all(row in found for row in seen)
        assert page_kind != "ok" or len(value) == MAX_PAGES or by_key(entity, seen) == found


def _first_pages(factory: DAOFactory, entity_name: str, filter_: Any, size: Any) -> list[list[dict[str, Any]]]:
    """Up to :data:`MAX_PAGES` pages (all of them when fewer); each page's order is the store's own."""
    page, offset = factory.dao(entity_name).find_page(filter_, None, size)
    pages = [page]
    while offset is not None and len(pages) < MAX_PAGES:
        page, offset = factory.dao(entity_name).find_page(filter_, offset, size)
        pages.append(page)
    return pages


FOREIGN_OFFSETS = st.one_of(
    st.text(), st.binary(), st.integers(), st.text("ABCDEFabcdef0123456789-_", min_size=20), ids()
).filter(lambda offset: offset is not None)


@given(offset=FOREIGN_OFFSETS)
def test_any_offset_not_made_by_kong_orm_is_refused(factories: Factories, offset: Any) -> None:
    kind, _ = the_same(everywhere(factories, lambda f: f.consumers.find_page(None, offset, 5)))
    assert kind == "SchemaError"
    assert the_same(everywhere(factories, lambda f: f.consumers.count()))[0] == "ok"


def test_the_stores_hold_the_same_rows(factories: Factories) -> None:
    for entity in ENTITIES.values():
        assert the_same({backend: ("ok", rows_of(f, entity)) for backend, f in factories.items()})

