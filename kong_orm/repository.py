"""The repository interface: Kong's DAO verbs, the same on every backend.

:class:`Repository` does the shared work once (argument checks, validation,
defaults, generated fields, immutability, merging, events, offsets) and asks
its backend for a handful of primitives named after what they send.
"""
from __future__ import annotations

import logging
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from kong_orm.errors import DAOError, DatabaseError, SchemaError, UniqueError
from kong_orm.events import Events, EventType
from kong_orm.paging import PROCESS_OFFSETS, Offsets, query_of
from kong_orm.registry import Catalog
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind
from kong_orm.schema.validate import (
    Errors,
    blank_texts,
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

log = logging.getLogger(__name__)
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


def row_error(index: int, error: DAOError) -> DAOError:
    """``error`` about one row of a batch, its fields named ``rows[<index>].<field>``.

    A :class:`DatabaseError` is about the store, not a row, and comes back as it is.
    """
    if isinstance(error, DatabaseError):
        return error
    prefix = f"rows[{index}]"
    problem = {f"{prefix}.{field}": message for field, message in error.errors.items()} or {prefix: error.message}
    return type(error)(problem)


def repeated_in_batch(entity: Entity, rows: list[Row]) -> dict[str, str | list[str]]:
    """``rows[i].field -> message`` for each row repeating a key or unique value of an earlier row."""
    errors: dict[str, str | list[str]] = {}
    for fields in [tuple(entity.primary_key), *((f.name,) for f in entity.unique_fields)]:
        seen: set[tuple[Any, ...]] = set()
        for index, row in enumerate(rows):
            value = tuple(row.get(name) for name in fields)
            if None in value:
                continue
            if value in seen:
                errors.update(UniqueError.for_values({f"rows[{index}].{n}": row[n] for n in fields}).errors)
            seen.add(value)
    for group in entity.unique_together:
        seen = set()
        for index, row in enumerate(rows):
            value = tuple(row.get(name) for name in group.fields)
            if value in seen:
                errors[f"rows[{index}]"] = group.message
            seen.add(value)
    return errors


def _check_page_size(size: Any, verb: str) -> None:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{verb}() size must be an int, not {type(size).__name__}")
    if not 0 < size <= MAX_PAGE_SIZE:
        raise ValueError(f"{verb}() size must be between 1 and {MAX_PAGE_SIZE}")


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
        require_dict(values, "insert")
        self._refuse_counters("insert")
        _check_ttl(ttl)
        stored = self._insert_row(self._new_row(values, "insert"), ttl, fresh_key=self._key_generated(values))
        self.events.publish(EventType.ENTITY_CREATED, self.name, stored)
        return stored

    def insert_many(self, rows: Iterable[Mapping[str, Any]], *, ttl: int | None = None) -> list[Row]:
        """Validate and store several new entities, all of them or none; return them as stored.

        Each row is validated as :meth:`insert` validates one. Errors name the
        row by its index in ``rows``: ``rows[3].name=name is required``; every
        invalid row is named, and nothing is stored. One ``ENTITY_CREATED`` event
        per row follows once all are stored.

        :param rows: field -> value mappings, as for :meth:`insert`.
        :param ttl: seconds after which every row disappears.
        :raises SchemaError: invalid values (``rows[i].field`` keys).
        :raises UniqueError: a unique value is taken, by a stored row or an earlier row of ``rows``.
        :raises ForeignKeyError: a referenced row does not exist.

        Example: ``dao.consumers.insert_many({"username": f"user{n}"} for n in range(10_000))``
        """
        self._refuse_counters("insert_many")
        _check_ttl(ttl)
        candidates: list[Row] = []
        fresh_keys: list[bool] = []
        errors: dict[str, str | list[str]] = {}
        for index, values in enumerate(rows):
            try:
                candidates.append(self._new_row(values, "insert_many"))
                fresh_keys.append(self._key_generated(values))
            except SchemaError as exc:
                errors.update(row_error(index, exc).errors)
        if errors:
            raise SchemaError(errors)
        stored = self._insert_rows(candidates, ttl, fresh_keys=fresh_keys) if candidates else []
        for row in stored:
            self.events.publish(EventType.ENTITY_CREATED, self.name, row)
        return stored

    def _key_generated(self, values: Mapping[str, Any]) -> bool:
        """Whether a new row made of ``values`` gets a generated uuid key (which cannot collide)."""
        return any(
            self.entity[name].auto and self.entity[name].kind is Kind.ID and values.get(name) is None
            for name in self.entity.primary_key
        )

    def _new_row(self, values: Mapping[str, Any], verb: str) -> Row:
        """A validated new row: generated fields filled where absent."""
        candidate = dict(require_dict(values, verb))
        for f in self.entity.fields:
            if f.auto and candidate.get(f.name) is None:
                candidate[f.name] = _generate(f)
        return validate_new(self.entity, candidate)

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

    def stream(self, filter: Mapping[str, Any] | None = None, *, page_size: int = 1000) -> Iterator[Row]:
        """Yield every row matching ``filter`` in page order (as :meth:`find_page`), one page at a time.

        A page is read only when the previous one has been consumed, so memory
        stays flat however many rows there are. Rows written meanwhile may or
        may not be seen, as with :meth:`find_page`.

        Example: ``for consumer in dao.consumers.stream(page_size=500): ...``
        """
        clean = self._filter(filter, "stream")
        _check_page_size(page_size, "stream")
        return iter(()) if matches_nothing(self.entity, clean) else self._pages(clean, page_size)

    def _pages(self, filter_: Row, size: int) -> Iterator[Row]:
        """The rows of :meth:`stream`, reading a page only when the previous one is consumed.

        This default walks :meth:`_select_page`; a store whose own cursor ends
        without looking a row ahead may follow it instead.
        """
        position: bytes | None = None
        while True:
            rows, position = self._select_page(filter_, position, size)
            yield from rows
            if position is None:
                return

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
        such as ``config``; a field given as ``None`` keeps its value, as in
        Kong 0.8 (the update is still made and announced). ``full=True``
        replaces the entity: absent or ``None`` fields become null, defaults
        and ``required`` apply.

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
        self.events.publish_deleted(deleted)
        return deleted[0][1] if deleted else None

    def increment(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add to the counters of a counter entity; a missing row starts at zero.

        Each row holds a full primary key plus ``counter field -> amount``
        pairs; all rows are sent together. Increments publish no events.
        A key that no ``find`` could read back (a blank text) is a
        :class:`SchemaError` (``identifier=identifier is required``), and
        nothing is sent.

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
        errors: Errors = {name: f"{name} is required" for name in blank_texts(self.entity, pk)}
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
    def _insert_row(self, row: Row, ttl: int | None, *, fresh_key: bool = False) -> Row:
        """Store a validated row atomically; return it as stored.

        ``fresh_key``: the primary key was generated for this row, so no stored row can have it.
        """

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

    def _insert_rows(self, rows: list[Row], ttl: int | None, *, fresh_keys: Sequence[bool]) -> list[Row]:
        """Store validated rows, all or none; return them as stored.

        ``fresh_keys[i]`` is ``fresh_key`` of :meth:`_insert_row` for ``rows[i]``.
        Errors name the row as :func:`row_error` does. This default inserts one
        row at a time and deletes those already stored when one fails; a store
        that can do it atomically and in fewer round trips overrides it.
        """
        stored: list[Row] = []
        for index, (row, fresh_key) in enumerate(zip(rows, fresh_keys)):
            try:
                stored.append(self._insert_row(row, ttl, fresh_key=fresh_key))
            except DAOError as exc:
                self._remove_stored(stored)
                raise row_error(index, exc) from exc
        return stored

    def _remove_stored(self, rows: list[Row]) -> None:
        for row in reversed(rows):
            try:
                self._delete_cascade({name: row[name] for name in self.entity.primary_key})
            except DAOError as exc:
                log.warning("could not remove a row of a failed insert_many from %s: %s", self.name, exc)

    def _increment_rows(self, rows: list[Row]) -> None:
        """Add each row's counter values to the stored ones (rows created at zero), atomically per row."""
        raise NotImplementedError(f"{type(self).__name__} does not store counters")

