"""The repository interface: Kong's DAO verbs, the same on every backend.

:class:`Repository` does the shared work once (argument checks, validation,
defaults, generated fields, immutability, merging, events, offsets) and asks
its backend for a handful of primitives named after what they send.
"""
from __future__ import annotations

import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kong_orm.events import Events, EventType
from kong_orm.paging import PROCESS_OFFSETS, Offsets, query_of
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind
from kong_orm.schema.validate import (
    Errors,
    check_immutable,
    coerce_values,
    complete_entity,
    matches_nothing,
    merge_nested,
    primary_key_of,
    raise_if,
    require_dict,
    validate_filter,
    validate_new,
)

Row = dict[str, Any]
MAX_PAGE_SIZE = 50_000
MAX_TTL = 630_720_000
"""Twenty years, the longest TTL every store accepts (Cassandra's limit)."""
PrepareUpdate = Callable[[Row], Row]
"""Given the stored row, return the complete row to write (or raise)."""


def now_ms() -> int:
    """Milliseconds since the epoch, as every ``created_at`` is stored."""
    return time.time_ns() // 1_000_000


def _generate(f: Field) -> Any:
    return uuid.uuid4() if f.kind is Kind.ID else now_ms()


def _check_ttl(ttl: Any) -> None:
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 < ttl <= MAX_TTL):
        raise ValueError(f"ttl must be a whole number of seconds from 1 to {MAX_TTL}, not {ttl!r}")


class Repository(ABC):
    """The DAO of one entity.

    Rows are plain dicts holding every field of the entity (unset ones as
    ``None``): ``id`` a :class:`uuid.UUID`, ``created_at`` integer
    milliseconds, ``config`` a dict.

    ``offsets`` makes and checks ``find_page`` offsets; the factory gives it
    the key of its ``offset_secret`` option.
    """

    offsets: Offsets = PROCESS_OFFSETS

    def __init__(self, entity: Entity, events: Events, catalog: Catalog) -> None:
        self.entity = entity
        self.events = events
        self.catalog = catalog

    @property
    def name(self) -> str:
        return self.entity.name

    # -- public verbs ---------------------------------------------------

    def insert(self, values: Mapping[str, Any], *, ttl: int | None = None) -> Row:
        """Validate and store a new entity; return it as stored.

        ``id`` and ``created_at`` are generated when absent.

        :param values: field -> value; strings are coerced as Kong did.
        :param ttl: seconds after which the row disappears.
        :raises SchemaError: invalid values.
        :raises UniqueError: a unique value is taken (every colliding field is named).
        :raises ForeignKeyError: a referenced row does not exist.

        Example: ``dao.apis.insert({"request_host": "example.com", "upstream_url": "http://up"})``
        """
        candidate = dict(require_dict(values, "insert"))
        self._refuse_counters("insert")
        _check_ttl(ttl)
        for f in self.entity.fields:
            if f.auto and candidate.get(f.name) is None:
                candidate[f.name] = _generate(f)
        stored = self._insert_row(validate_new(self.entity, candidate), ttl)
        self.events.publish(EventType.ENTITY_CREATED, self.name, stored)
        return stored

    def find(self, primary_key: Mapping[str, Any]) -> Row | None:
        """Return the row with this primary key, or ``None``; other keys are ignored.

        :raises ValueError: a primary-key field is missing.
        """
        pk = primary_key_of(self.entity, primary_key, "find")
        return None if matches_nothing(self.entity, pk) else self._select_by_pk(pk)

    def find_all(self, filter: Mapping[str, Any] | None = None) -> list[Row]:
        """Return every row whose fields equal all of ``filter`` (all rows without one)."""
        clean = self._filter(filter, "find_all")
        return [] if matches_nothing(self.entity, clean) else self._select_all(clean)

    def find_page(
        self, filter: Mapping[str, Any] | None = None, offset: str | None = None, size: int = 100
    ) -> tuple[list[Row], str | None]:
        """Return one page of rows in primary-key order and the offset of the next page.

        The offset is ``None`` on the last page; pass it back to continue.
        """
        clean = self._filter(filter, "find_page")
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"find_page() size must be an int, not {type(size).__name__}")
        if not 0 < size <= MAX_PAGE_SIZE:
            raise ValueError(f"find_page() size must be between 1 and {MAX_PAGE_SIZE}")
        query = query_of(self.name, clean)
        position = None if offset is None else self.offsets.decode(offset, query)
        if matches_nothing(self.entity, clean):
            return [], None
        rows, next_position = self._select_page(clean, position, size)
        return rows, self.offsets.encode(next_position, query)

    def count(self, filter: Mapping[str, Any] | None = None) -> int:
        """Return how many rows match ``filter`` (all rows without one)."""
        clean = self._filter(filter, "count")
        return 0 if matches_nothing(self.entity, clean) else self._count_rows(clean)

    def update(
        self,
        values: Mapping[str, Any],
        filter_keys: Mapping[str, Any],
        *,
        full: bool = False,
        ttl: int | None = None,
    ) -> Row | None:
        """Update the row identified by the primary key in ``values`` or ``filter_keys``.

        Keys of ``filter_keys`` fill in what ``values`` lacks. A partial update
        (the default) changes only the given fields and merges nested tables
        such as ``config``; ``full=True`` replaces the entity: absent fields
        become null, defaults and ``required`` apply.

        :return: the updated row, or ``None`` when no row has that key.
        :raises SchemaError: invalid values, or an immutable field changed.

        Example: ``dao.apis.update({"upstream_url": "http://new"}, {"id": api_id})``
        """
        require_dict(values, "update", 1)
        require_dict(filter_keys, "update", 2)
        self._refuse_counters("update")
        if not values or not filter_keys:
            raise ValueError("update() needs non-empty values and filter_keys")
        _check_ttl(ttl)
        merged = {**filter_keys, **values}
        pk = primary_key_of(self.entity, merged, "update")
        given = {k: v for k, v in merged.items() if k not in pk and (full or v is not None)}
        errors: Errors = {}
        given = coerce_values(self.entity, given, errors)
        raise_if(errors)
        if matches_nothing(self.entity, pk):
            return None
        result = self._update_row(pk, lambda old: self._updated_row(old, pk, given, full), ttl)
        if result is None:
            return None
        old, new = result
        self.events.publish(EventType.ENTITY_UPDATED, self.name, old)
        return new

    def delete(self, primary_key: Mapping[str, Any]) -> Row | None:
        """Delete the row and, transitively, every row referencing it.

        :return: the deleted row, or ``None`` when no row has that key.
        """
        pk = primary_key_of(self.entity, primary_key, "delete")
        deleted = [] if matches_nothing(self.entity, pk) else self._delete_cascade(pk)
        for entity_name, row in deleted:
            self.events.publish(EventType.ENTITY_DELETED, entity_name, row)
        return deleted[0][1] if deleted else None

    def increment(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add to the counters of a counter entity; a missing row starts at zero.

        Each row holds a full primary key plus ``counter field -> amount``
        pairs; all rows are sent together. Increments publish no events.

        Example: ``dao.increment([{"api_id": a, "identifier": "ip", "period_date": t, "period": "day", "value": 1}])``
        """
        if not self.entity.counter_fields:
            raise TypeError(f"{self.name} has no counter field to increment")
        batch = [self._counter_row(row) for row in rows]
        if batch:
            self._increment_rows(batch)

    # -- shared helpers -------------------------------------------------

    def _refuse_counters(self, verb: str) -> None:
        if self.entity.counter_fields:
            raise TypeError(f"{self.name} holds counters: use increment(), not {verb}()")

    def _counter_row(self, row: Mapping[str, Any]) -> Row:
        require_dict(row, "increment")
        pk = primary_key_of(self.entity, row, "increment")
        errors: Errors = {}
        amounts = {k: v for k, v in row.items() if k not in pk}
        for name in amounts:
            if name in self.entity.by_name and self.entity[name].kind is not Kind.COUNTER:
                errors[name] = f"{name} is not a counter"
        clean = coerce_values(self.entity, amounts, errors)
        raise_if(errors)
        return {**pk, **{f.name: clean.get(f.name) or 0 for f in self.entity.counter_fields}}

    def _filter(self, filter_: Mapping[str, Any] | None, verb: str) -> dict[str, Any]:
        return {} if filter_ is None else validate_filter(self.entity, filter_, verb)

    def _updated_row(self, old: Row, pk: Row, given: Row, full: bool) -> Row:
        errors: Errors = {}
        check_immutable(self.entity, given, old, errors)
        if full:
            kept = {f.name: old[f.name] for f in self.entity.fields if f.auto and given.get(f.name) is None}
            candidate = {**given, **kept, **pk}
        else:
            candidate = merge_nested(self.entity, old, given)
        complete_entity(self.entity, candidate, errors)
        raise_if(errors)
        return candidate

    # -- primitives each backend provides ----------------------------------

    @abstractmethod
    def _insert_row(self, row: Row, ttl: int | None) -> Row:
        """Store a validated row atomically; return it as stored."""

    @abstractmethod
    def _select_by_pk(self, pk: Row) -> Row | None:
        """One row by its full primary key."""

    @abstractmethod
    def _select_all(self, filter_: Row) -> list[Row]:
        """Every row matching the equality filter (all rows when empty)."""

    @abstractmethod
    def _select_page(self, filter_: Row, position: bytes | None, size: int) -> tuple[list[Row], bytes | None]:
        """Up to ``size`` rows after ``position``, and the position after them (``None`` at the end)."""

    @abstractmethod
    def _count_rows(self, filter_: Row) -> int:
        """How many rows match the equality filter."""

    @abstractmethod
    def _update_row(self, pk: Row, prepare: PrepareUpdate, ttl: int | None) -> tuple[Row, Row] | None:
        """Read the stored row, write ``prepare(old)`` atomically; return ``(old, new)``."""

    @abstractmethod
    def _delete_cascade(self, pk: Row) -> list[tuple[str, Row]]:
        """Delete the row and its descendants; return ``(entity, row)`` pairs, the row first."""

    def _increment_rows(self, rows: list[Row]) -> None:
        """Add each row's counter values to the stored ones (rows created at zero), atomically per row."""
        raise NotImplementedError(f"{type(self).__name__} does not store counters")

