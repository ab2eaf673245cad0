"""The repository primitives on Cassandra: prepared statements, LWT claims,
paging states as offsets, cascades done here.

Unique values are claimed (a lightweight transaction each) before a row
holds them. A row whose key kong_orm generated is written with a plain
``INSERT`` (a fresh uuid cannot collide); a key the caller gave is written
``IF NOT EXISTS``, so a taken key is a :class:`UniqueError`. An update
rewrites the row only if it is still as read (else it reads again and
retries), a delete decides which of concurrent deleters gets the row.

Foreign keys (reads in :mod:`parents`): a row's parents are read before the write, and the parents it
gained are read again at the serial consistency after it; a parent deleted
in between (its delete is a lightweight transaction, so that read sees it)
makes the writer remove its row and raise :class:`ForeignKeyError`. A row
under a parent with a TTL lives at most as long as the parent.

A failed write releases the claims it took, whatever the exception, except
when its outcome is unknown (a timeout): then the row may hold them, and
they are left to be taken over once stale (see :mod:`claims`).

``insert_many`` does the same for all its rows at once: a concurrent round
trip reads every parent, one claims every value, one writes every row, one
reads the parents again. A value repeated within the batch is refused before
anything is sent. Cassandra has no transaction across rows: when one row
fails after others were written, those are deleted again (with what
references them) and every claim of the batch is released, so nothing of it
stays; only a row whose write timed out and that was not there to delete
keeps its claims, as above.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from kong_orm.backends.cassandra.cascades import Pending
from kong_orm.backends.cassandra.claims import Claim
from kong_orm.backends.cassandra.codec import RowDecoder, as_stored, decode_row, encode, encode_row
from kong_orm.backends.cassandra.errors import OutcomeUnknown
from kong_orm.backends.cassandra.expiries import Due
from kong_orm.backends.cassandra.keyspace import Keyspace
from kong_orm.backends.cassandra.parents import Parents
from kong_orm.backends.cassandra.positions import pack, unpack
from kong_orm.backends.cassandra.reads import (
    MURMUR3,
    NO_TTL,
    READ_FETCH_SIZE,
    count_in_slices,
    key_of,
    page_request,
    read_all,
    read_page,
    read_pages,
    remaining_ttl,
)
from kong_orm.backends.cassandra.statements import Request, Result, Statements
from kong_orm.errors import DAOError, DatabaseError, ForeignKeyError, UniqueError
from kong_orm.events import Events
from kong_orm.registry import Catalog
from kong_orm.repository import PrepareUpdate, Repository, Row, repeated_in_batch, row_error
from kong_orm.schema.entity import Entity

log = logging.getLogger(__name__)

MAX_UPDATE_ATTEMPTS = 64


class CassandraRepository(Repository):
    """Kong's DAO verbs for one entity on Cassandra."""

    def __init__(self, entity: Entity, events: Events, catalog: Catalog, keyspace: Keyspace) -> None:
        super().__init__(entity, events, catalog)
        self._keyspace = keyspace
        self._statements: Statements = keyspace.statements
        self._cql = keyspace.cql(entity)
        self._claims = keyspace.claims(entity)
        self._expiries = keyspace.expiries
        self._parents = Parents(entity, catalog, keyspace)
        children = catalog.children(entity)
        self._noted_from_key = bool(children) and all(
            (child.field.foreign_field or "id") in entity.primary_key for child in children
        )
        """Whether a delete can note its cascade from the key alone (every child references
        the key), and so with its read of the row, in one round trip."""

    # -- reads -------------------------------------------------------------

    def _select_by_pk(self, pk: Row) -> Row | None:
        found = self._statements.execute(Request(self._cql.select_by_pk, key_of(self.entity, pk))).one()
        return None if found is None else decode_row(self.entity, found)

    def _select_all(self, filter_: Row) -> list[Row]:
        return self._read_all(self.entity, filter_)

    def _select_page(self, filter_: Row, position: bytes | None, size: int) -> tuple[list[Row], bytes | None]:
        keys = tuple(sorted(filter_))
        cql = self._cql.select_where(keys)
        params = encode_row(self.entity, filter_, keys)
        state = None if position is None else unpack(position, cql)
        found, state = read_page(self._statements, Request(cql, params, paging_state=state), size)
        rows = list(map(RowDecoder(self.entity), found))
        return rows, None if state is None else pack(state, cql)

    def _pages(self, filter_: Row, size: int) -> Iterator[Row]:
        keys = tuple(sorted(filter_))
        request = Request(self._cql.select_where(keys), encode_row(self.entity, filter_, keys))
        decode = RowDecoder(self.entity)
        for page in read_pages(self._statements, request, size):
            yield from map(decode, page)

    def _count_rows(self, filter_: Row) -> int:
        keys = tuple(sorted(filter_))
        values = encode_row(self.entity, filter_, keys)
        if self._cql.scans(keys) and self._statements.partitioner() == MURMUR3:
            return count_in_slices(
                self._statements, self._cql.count_slice_where(keys), values, self._cql.count_slice_where(())
            )
        found = self._statements.execute(Request(self._cql.count_where(keys), values)).one()
        return int(found["count"]) if found else 0

    def _read_all(self, entity: Entity, filter_: Row) -> list[Row]:
        keys = tuple(sorted(filter_))
        request = Request(self._keyspace.cql(entity).select_where(keys), encode_row(entity, filter_, keys))
        return [decode_row(entity, row) for row in read_all(self._statements, request)]

    # -- writes ------------------------------------------------------------

    def _insert_row(self, row: Row, ttl: int | None, *, fresh_key: bool = False) -> Row:
        ttl = self._parents.check(row, None, ttl or NO_TTL)
        claims = list(self._claims.of(row).values())
        try:
            self._claims.acquire(claims, row, ttl)
        except UniqueError as taken:
            raise self._with_taken_keys({0: taken}, [row], [fresh_key])[0] from None
        try:
            written = self._write_new(row, ttl, fresh_key)
        except OutcomeUnknown:
            self._claims.leave_unsettled(claims, row)  # the row may hold them
            raise
        except BaseException:
            self._claims.release(claims, row)
            raise
        if not written:
            self._claims.release(claims, row)
            raise UniqueError.for_values({name: row[name] for name in self.entity.primary_key})
        try:
            self._recheck_parents(row, None)
        except ForeignKeyError:
            raise
        except BaseException:
            self._remove(row, None)  # whether its parents are still there is not known: undo
            raise
        stored = as_stored(self.entity, row)
        if ttl != NO_TTL:
            self._expiries.record(self.entity, stored, ttl)
        return stored

    def _write_new(self, row: Row, ttl: int, fresh_key: bool) -> bool:
        """Write a new row; ``False`` if its (given) key is taken."""
        return self._statements.execute(self._insert_request(row, ttl, fresh_key)).applied

    def _insert_request(self, row: Row, ttl: int, fresh_key: bool) -> Request:
        """The write of a new row: ``IF NOT EXISTS`` unless its key is fresh (which cannot collide)."""
        params = [*encode_row(self.entity, row, self._cql.columns), ttl]
        if fresh_key:
            return Request(self._cql.insert_fresh, params)
        return Request(self._cql.insert, params, lwt=True)

    def _insert_rows(self, rows: list[Row], ttl: int | None, *, fresh_keys: Sequence[bool]) -> list[Row]:
        """What :meth:`_insert_row` does, for every row at once: one concurrent round trip each
        for the parents, the claims, the writes and the parents again. A failure after writes
        deletes the rows written, releasing their claims (see :meth:`_undo_batch`)."""
        ttls = self._parents.check_new(rows, ttl or NO_TTL)
        repeated = repeated_in_batch(self.entity, rows)
        if repeated:
            raise UniqueError(repeated)
        taken = self._claims.acquire_all([list(self._claims.of(row).values()) for row in rows], rows, ttls)
        if taken:
            raise batch_error(self._with_taken_keys(taken, rows, fresh_keys))
        self._write_batch(rows, ttls, fresh_keys)
        try:
            self._parents.recheck_new(rows)
        except BaseException:
            self._undo_batch(rows, rows, [])
            raise
        stored = [as_stored(self.entity, row) for row in rows]
        self._expiries.record_all(self.entity, [(row, ttl) for row, ttl in zip(stored, ttls) if ttl != NO_TTL])
        return stored

    def _write_batch(self, rows: list[Row], ttls: list[int], fresh_keys: Sequence[bool]) -> None:
        """Write every row at once; if one is not written, undo the batch and raise."""
        requests = [self._insert_request(row, ttl, fresh) for row, ttl, fresh in zip(rows, ttls, fresh_keys)]
        try:
            outcomes = self._statements.execute_all(requests)
        except BaseException:
            self._undo_batch(rows, [], rows)
            raise
        written = [row for row, outcome in zip(rows, outcomes) if isinstance(outcome, Result) and outcome.applied]
        if len(written) == len(rows):
            return
        unsure = [row for row, outcome in zip(rows, outcomes) if isinstance(outcome, OutcomeUnknown)]
        self._undo_batch(rows, written, unsure)
        raise batch_error({
            index: outcome if isinstance(outcome, DAOError) else UniqueError.for_values(self._key_values(row))
            for index, (row, outcome) in enumerate(zip(rows, outcomes))
            if not (isinstance(outcome, Result) and outcome.applied)
        })

    def _undo_batch(self, rows: list[Row], written: list[Row], unsure: list[Row]) -> None:
        """Delete the rows of a failed batch that were written (or may have been: ``unsure``),
        with what references them, and release the claims of the others.

        An unsure row that was not there keeps its claims, as after a single
        insert whose outcome is unknown: its write may still land. Rows that
        cannot be deleted stay, with their claims; a warning says so.
        """
        tried = [*written, *unsure]
        removed: list[tuple[str, Row]] = []
        try:
            if tried:
                self._delete_rows(self.entity, tried, removed)
            left = unsure
        except DAOError as exc:
            log.warning("could not remove the rows of a failed insert_many from %s: %s", self.name, exc)
            left = tried
        ours = {id(row) for row in tried}
        # rows that referenced the batch's were seen: announce them
        self.events.publish_deleted(pair for pair in removed if id(pair[1]) not in ours)
        gone = {id(row) for _, row in removed}
        for row in left:
            if id(row) not in gone:  # its claims are kept for now: the next purge settles them
                self._claims.leave_unsettled(list(self._claims.of(row).values()), row)
        settled = {id(row) for row in left} | gone  # claims kept, or released
        self._claims.release_rows([row for row in rows if id(row) not in settled])

    def _with_taken_keys(
        self, errors: Mapping[int, UniqueError], rows: Sequence[Row], fresh_keys: Sequence[bool]
    ) -> dict[int, UniqueError]:
        """``errors`` (by row index) also naming the key of each row whose given key a stored row
        holds, as SQL names every collision of a row (looked up only once a claim failed)."""
        given = [index for index in errors if not fresh_keys[index]]
        requests = [Request(self._cql.select_for_update, key_of(self.entity, rows[index])) for index in given]
        named = dict(errors)
        for index, outcome in zip(given, self._statements.execute_all(requests)):
            if isinstance(outcome, Result) and outcome.rows:
                key_taken = UniqueError.for_values(self._key_values(rows[index]))
                named[index] = UniqueError({**key_taken.errors, **errors[index].errors})
        return named

    def _key_values(self, row: Row) -> Row:
        return {name: row[name] for name in self.entity.primary_key}

    def _update_row(self, pk: Row, prepare: PrepareUpdate, ttl: int | None) -> tuple[Row, Row] | None:
        for attempt in range(MAX_UPDATE_ATTEMPTS):
            # after a lost race, read what the winner wrote, even from a replica that lags
            read = Request(self._cql.select_for_update, key_of(self.entity, pk), linearizable=attempt > 0)
            found = self._statements.execute(read).one()
            if found is None:
                return None
            old = decode_row(self.entity, found)
            new = prepare(old)
            if self._rewrite(pk, found, old, new, ttl):
                return old, as_stored(self.entity, new)
        raise DatabaseError("cassandra", f"{self.name} {pk} kept changing under concurrent updates")

    def _rewrite(self, pk: Row, found: Row, old: Row, new: Row, ttl: int | None) -> bool:
        """Write ``new`` if the row is still ``found``; move its claims along."""
        row_ttl = self._parents.check(new, old, remaining_ttl(found) if ttl is None else ttl, renewing=ttl is not None)
        before, after = self._claims.of(old), self._claims.of(new)
        gained = [claim for name, claim in after.items() if before.get(name) != claim]
        self._claims.acquire(gained, pk, row_ttl, renew=True)
        try:
            applied = self._statements.execute(self._update_request(pk, found, new, row_ttl)).applied
        except OutcomeUnknown:
            self._claims.leave_unsettled(gained, pk)  # the row may hold them
            raise
        except BaseException:
            self._claims.release(gained, pk)
            raise
        if not applied:
            self._claims.release(gained, pk)
            return False
        renewed = ttl is not None or row_ttl != remaining_ttl(found)
        kept = [claim for name, claim in after.items() if before.get(name) == claim] if renewed else []
        self._claims.renew_and_release(kept, _lost(before, after), pk, row_ttl)
        self._recheck_parents(new, old)
        if row_ttl != NO_TTL:
            self._expiries.record(self.entity, as_stored(self.entity, new), row_ttl)
        return True

    def _update_request(self, pk: Row, found: Row, new: Row, ttl: int) -> Request:
        key = key_of(self.entity, pk)
        values = encode_row(self.entity, new, self._cql.values)
        olds = [found[name] for name in self._cql.values]
        return Request(self._cql.update, [*key, ttl, ttl, *values, *key, *olds], lwt=True)

    def _increment_rows(self, rows: list[Row]) -> None:
        # counter updates are not idempotent: sent once each, never retried
        amounts = self._cql.values
        requests = [
            Request(self._cql.increment, [*(row[name] for name in amounts), *key_of(self.entity, row)]) for row in rows
        ]
        self._statements.execute_every(requests)

    def _delete_cascade(self, pk: Row) -> list[tuple[str, Row]]:
        read = Request(self._cql.select_for_update, key_of(self.entity, pk))
        if self._noted_from_key:
            cascades = self._keyspace.cascades
            found = self._statements.execute_every([cascades.note_request(self.entity, pk), read])[1].one()
            if found is None:
                cascades.forget(self.entity, [pk])
                return []
        else:
            found = self._statements.execute(read).one()
            if found is None:
                return []
        deleted: list[tuple[str, Row]] = []
        with self._announcing_on_failure(deleted):
            row, expiring = decode_row(self.entity, found), remaining_ttl(found) != NO_TTL
            self._delete_rows(self.entity, [row], deleted, [expiring], noted=self._noted_from_key)
        return deleted

    @contextmanager
    def _announcing_on_failure(self, deleted: list[tuple[str, Row]]) -> Iterator[None]:
        """A failure cutting a cascade short announces the rows it had deleted before it is
        raised (a purge finishes the cascade, and announces the rest)."""
        try:
            yield
        except BaseException:
            self.events.publish_deleted(deleted)
            raise

    def _delete_rows(
        self,
        entity: Entity,
        rows: list[Row],
        deleted: list[tuple[str, Row]],
        expiring: Sequence[bool] | None = None,
        *,
        noted: bool = False,
    ) -> None:
        """Delete ``rows`` of ``entity`` and, transitively, the rows referencing them; add
        ``(entity name, row)`` to ``deleted`` for each row gone, parents before their children.

        The claims of every row deleted are released, even when deleting another failed;
        the expiries entries of those ``expiring`` (all when not known) are forgotten. A
        cascades entry names each row while its children go (see :mod:`cascades`), unless
        the caller ``noted`` them already.
        """
        cascading = bool(self.catalog.children(entity))
        if cascading and not noted:
            self._keyspace.cascades.note(entity, rows)
        delete = self._keyspace.cql(entity).delete
        outcomes = self._statements.execute_all([Request(delete, key_of(entity, row), lwt=True) for row in rows])
        applied = [isinstance(outcome, Result) and outcome.applied for outcome in outcomes]
        gone = [row for row, done in zip(rows, applied) if done]
        self._keyspace.claims(entity).release_rows(gone)
        flags = [True] * len(rows) if expiring is None else expiring
        self._expiries.forget(entity, [row for row, done, flag in zip(rows, applied, flags) if done and flag])
        deleted += [(entity.name, row) for row in gone]
        for outcome in outcomes:
            if isinstance(outcome, DAOError):
                raise outcome
        for row in gone:
            self._delete_children(entity, row, deleted)
        if cascading:
            self._keyspace.cascades.forget(entity, gone)

    def purge_expired_row(self, due: Due) -> tuple[bool, list[tuple[str, Row]]]:
        """Settle an expiries entry of this entity: whether it is settled, and the rows to
        report (the expired row, then the rows that still referenced it, now deleted).

        A row still stored with a TTL is not due yet (clocks differ): its entry stays.
        The children go before the entry is taken, so a failure leaves the entry for
        the next purge to try again.
        """
        found = self._statements.execute(Request(self._cql.select_for_update, key_of(self.entity, due.row))).one()
        if found is not None:
            return remaining_ttl(found) == NO_TTL and self._expiries.take(due), []
        children: list[tuple[str, Row]] = []
        with self._announcing_on_failure(children):
            self._delete_children(self.entity, due.row, children)
        if not self._expiries.take(due):
            return False, children  # another purge took it, or the row was written again since
        return True, [(self.name, due.row), *children]

    def finish_cascade(self, pending: Pending) -> list[tuple[str, Row]]:
        """Settle a cascades entry of this entity: the rows deleted now (those still
        referencing a row that is gone). An entry whose row is still there is dropped
        once it is old enough (its delete failed before the row went)."""
        found = self._statements.execute(Request(self._cql.select_for_update, key_of(self.entity, pending.row))).one()
        if found is not None:
            if pending.stale:
                self._keyspace.cascades.forget(self.entity, [pending.row])
            return []
        deleted: list[tuple[str, Row]] = []
        with self._announcing_on_failure(deleted):
            self._delete_children(self.entity, pending.row, deleted)
        self._keyspace.cascades.forget(self.entity, [pending.row])
        return deleted

    def _delete_children(self, entity: Entity, row: Row, deleted: list[tuple[str, Row]]) -> None:
        """Delete the rows referencing ``row`` (every child table is read at once), adding them to ``deleted``."""
        referenced = [(c, row.get(c.field.foreign_field or "id")) for c in self.catalog.children(entity)]
        present = [(c, value) for c, value in referenced if value is not None]
        children = [c for c, _ in present]
        requests = [self._children_request(c.entity, c.field.name, value) for c, value in present]
        for child, request, outcome in zip(children, requests, self._statements.execute_all(requests)):
            if isinstance(outcome, DAOError):
                raise outcome
            found = outcome.rows
            if outcome.paging_state is not None:
                found += read_all(self._statements, page_request(request, READ_FETCH_SIZE, outcome.paging_state))
            rows = [decode_row(child.entity, stored) for stored in found]
            if rows:
                expiring = [remaining_ttl(stored) != NO_TTL for stored in found]
                self._delete_rows(child.entity, rows, deleted, expiring)

    def _children_request(self, entity: Entity, field: str, value: Any) -> Request:
        request = Request(self._keyspace.cql(entity).select_with_ttls_where((field,)), [encode(entity[field], value)])
        return page_request(request, READ_FETCH_SIZE, None)

    def _recheck_parents(self, new: Row, old: Row | None) -> None:
        """After the write: if a parent ``new`` gained was deleted meanwhile, remove the row
        (and what references it) and raise."""
        missing = self._parents.missing_after_write(new, old)
        if missing:
            self._remove(new, old)
            raise ForeignKeyError.for_values(missing)

    def _remove(self, new: Row, old: Row | None) -> None:
        """Delete a row just written (and what references it) with its claims.

        A row that existed before (``old``) is deleted as its parent's cascade
        would have: with an event; an inserted one was never seen: none.
        """
        removed: list[tuple[str, Row]] = []
        self._delete_rows(self.entity, [new], removed)
        self.events.publish_deleted(removed[0 if old is not None else 1 :])
        self._claims.release(list(self._claims.of(new).values()), new)



def batch_error(errors: Mapping[int, DAOError]) -> DAOError:
    """One error for the failed rows of a batch (``index -> error``): a store failure as it
    is, else every row's problems named ``rows[<index>].<field>``."""
    failure = next((error for error in errors.values() if isinstance(error, DatabaseError)), None)
    if failure is not None:
        return failure
    named = [row_error(index, error) for index, error in sorted(errors.items())]
    return type(named[0])({field: message for error in named for field, message in error.errors.items()})


def _lost(before: dict[str, Claim], after: dict[str, Claim]) -> list[Claim]:
    return [claim for name, claim in before.items() if after.get(name) != claim]
