"""Race-safe uniqueness: a row reserves its unique values before it is written.

Each unique field, and each unique group, has a claim table keyed by the
value. A claim is a lightweight transaction (``UPDATE ... IF owner IN
(null, me)``): of any number of concurrent writers of one value exactly one
gets it. Claims carry the row's TTL, so an expired row frees its values when
it goes; they are released (again conditionally) when the write that needed
them fails, and when the row is deleted or changes the value.

A write whose outcome is unknown (a timeout) keeps its claims, and so does a
release that failed: they are noted, and the factory's next purge releases
each one its owner row turns out not to hold (:meth:`Claims.settle`). From
any other process, a claim without its row is taken over once it is stale.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kong_orm.backends.cassandra.codec import decode_row, encode, group_value, to_ms
from kong_orm.backends.cassandra.cql import ClaimCql, EntityCql
from kong_orm.backends.cassandra.statements import Request, Result, Statements
from kong_orm.errors import DAOError, UniqueError
from kong_orm.repository import Row, now_ms
from kong_orm.schema.entity import Entity

log = logging.getLogger(__name__)

STALE_AFTER_MS = 60_000
SETTLE_AFTER_MS = 10_000
"""How long a claim left by an unknown outcome waits before a purge settles it: long enough
for a write the coordinator still held to have landed."""


@dataclass(frozen=True)
class Claim:
    """One value of one claim table (``shown`` is the value as the caller gave it)."""

    table: ClaimCql
    value: Any
    shown: Any

    @property
    def field(self) -> str:
        return self.table.claim.fields[0]


class Claims:
    """The claim tables of one entity (``rows``: the entity's own table)."""

    def __init__(self, entity: Entity, rows: EntityCql, tables: Sequence[ClaimCql], statements: Statements) -> None:
        self.entity = entity
        self.tables = tuple(tables)
        self._statements = statements
        self._rows = rows
        self._unsettled: list[tuple[Claim, Row, int]] = []
        self._lock = threading.Lock()

    def of(self, row: Mapping[str, Any]) -> dict[str, Claim]:
        """The claims ``row`` needs, by claim table name (unset single fields need none)."""
        claims = {}
        for table in self.tables:
            fields = table.claim.fields
            if table.claim.is_group:
                claims[table.claim.name] = Claim(table, group_value([row.get(f) for f in fields]), None)
            elif row.get(fields[0]) is not None:
                value = row[fields[0]]
                claims[table.claim.name] = Claim(table, encode(self.entity[fields[0]], value), value)
        return claims

    def acquire(self, claims: Sequence[Claim], owner: Row, ttl: int, *, renew: bool = False) -> None:
        """Claim every value for ``owner``, or none of them.

        Several values are claimed one after the other, always in the same
        order: of concurrent writers of the same values one gets them all
        (claimed at once, each could get a part and all would fail).

        :param renew: values ``owner`` already holds count as claimed (their
            TTL becomes ``ttl``); otherwise only free values can be claimed.
        :raises UniqueError: naming every taken field, else the group's message.
        """
        key = self._owner_key(owner)
        for position, claim in enumerate(claims):
            try:
                applied = self._claim_one(claim, key, ttl, renew)
            except BaseException:  # this claim may have applied: released too
                self.release(claims[: position + 1], owner)
                # its transaction may still complete after that release: the next purge checks again
                self.leave_unsettled(claims[position : position + 1], owner)
                raise
            if not applied:
                taken = [claim, *self._held_by_others(claims[position + 1 :], key)]
                self.release(claims[:position], owner)
                raise _unique_error(taken)

    def acquire_all(
        self, claims: Sequence[Sequence[Claim]], owners: Sequence[Row], ttls: Sequence[int]
    ) -> dict[int, UniqueError]:
        """Claim ``claims[i]`` for ``owners[i]`` with the TTL ``ttls[i]``: every value at once,
        then a stale claim of another owner is taken over one by one.

        Unlike :meth:`acquire` owner by owner, concurrent writers of the same
        values may each get a part and all fail (none gets a value another holds).

        :return: ``i -> UniqueError`` for each owner some of whose values another
            holds; if there is one, every value this call claimed is released again.
        :raises DAOError: a claim failed (what this call may have claimed is released).
        """
        wanted = [
            (index, claim, owners[index], ttls[index]) for index, owned in enumerate(claims) for claim in owned
        ]
        try:
            got = self._claim_all(wanted)
        except BaseException:
            self._release([(claim, owner) for _, claim, owner, _ in wanted])
            raise
        failure = next((one for one in got if isinstance(one, DAOError)), None)
        if failure is not None or False in got:
            self._release([(claim, owner) for (_, claim, owner, _), one in zip(wanted, got) if one is not False])
        if failure is not None:
            raise failure
        taken: dict[int, list[Claim]] = {}
        for (index, claim, _, _), one in zip(wanted, got):
            if one is False:
                taken.setdefault(index, []).append(claim)
        return {index: _unique_error(values) for index, values in taken.items()}

    def _claim_all(self, wanted: Sequence[tuple[int, Claim, Row, int]]) -> list[bool | DAOError]:
        """Whether each value was claimed (or the error that leaves it open), in one round trip."""
        keys = [self._owner_key(owner) for _, _, owner, _ in wanted]
        requests = [self._claim_request(claim, key, ttl, False) for (_, claim, _, ttl), key in zip(wanted, keys)]
        outcomes = self._statements.execute_all(requests)
        return [
            outcome if isinstance(outcome, DAOError)
            else outcome.applied or self._take_over_if_stale(claim, key, ttl)
            for (_, claim, _, ttl), key, outcome in zip(wanted, keys, outcomes)
        ]

    def _claim_one(self, claim: Claim, key: list[Any], ttl: int, renew: bool) -> bool:
        if self._statements.execute(self._claim_request(claim, key, ttl, renew)).applied:
            return True
        return self._take_over_if_stale(claim, key, ttl)

    def _take_over_if_stale(self, claim: Claim, key: list[Any], ttl: int) -> bool:
        holder = self._statements.execute(Request(claim.table.holder, [claim.value])).one()
        if holder is None:
            return self._statements.execute(self._claim_request(claim, key, ttl, False)).applied
        since = holder["claimed_at"]
        if since is not None and now_ms() - to_ms(since) < STALE_AFTER_MS:
            return False
        owner = _owner(claim, holder)
        if self._owner_holds(claim, owner):
            return False
        params = [ttl, *key, now_ms(), claim.value, *owner, since]
        taken = self._statements.execute(Request(claim.table.take_over, params, lwt=True)).applied
        if taken:
            log.warning("took over stale %s claim %r from %s", claim.table.claim.name, claim.value, owner)
        return taken

    def _owner_holds(self, claim: Claim, owner: list[Any], *, linearizable: bool = False) -> bool:
        found = self._statements.execute(Request(self._rows.select_by_pk, owner, linearizable=linearizable)).one()
        if found is None:
            return False
        held = self.of(decode_row(self.entity, found)).get(claim.table.claim.name)
        return held is not None and held.value == claim.value

    def _held_by_others(self, claims: Sequence[Claim], key: list[Any]) -> list[Claim]:
        """Which of ``claims`` someone else holds (read, not claimed: for the error message)."""
        outcomes = self._statements.execute_all([Request(claim.table.holder, [claim.value]) for claim in claims])
        return [
            claim
            for claim, outcome in zip(claims, outcomes)
            if isinstance(outcome, Result) and outcome.rows and _owner(claim, outcome.rows[0]) != key
        ]

    def renew_and_release(self, kept: Sequence[Claim], lost: Sequence[Claim], owner: Row, ttl: int) -> None:
        """Give ``owner``'s ``kept`` claims a new TTL and drop its ``lost`` ones, in one round
        trip (a failure is logged: the row is written)."""
        key = self._owner_key(owner)
        requests = [self._claim_request(claim, key, ttl, True) for claim in kept]
        requests += [self._release_request(claim, owner) for claim in lost]
        for position, (claim, outcome) in enumerate(zip([*kept, *lost], self._statements.execute_all(requests))):
            if isinstance(outcome, DAOError) or (position < len(kept) and not outcome.applied):
                log.warning("could not renew or release %s claim %r: %s", claim.table.claim.name, claim.value, outcome)
                if position >= len(kept) and isinstance(outcome, DAOError):
                    self.leave_unsettled([claim], owner)

    def release(self, claims: Sequence[Claim], owner: Row) -> None:
        """Drop the claims ``owner`` holds on these values (others' claims stay)."""
        self._release([(claim, owner) for claim in claims])

    def release_rows(self, rows: Sequence[Row]) -> None:
        """Drop every claim of each of ``rows`` (deleted rows)."""
        self._release([(claim, row) for row in rows for claim in self.of(row).values()])

    def _release(self, held: Sequence[tuple[Claim, Row]]) -> None:
        if not held:
            return
        requests = [self._release_request(claim, owner) for claim, owner in held]
        for (claim, owner), outcome in zip(held, self._statements.execute_all(requests)):
            if isinstance(outcome, DAOError):
                log.warning("could not release %s claim %r: %s", claim.table.claim.name, claim.value, outcome)
                self.leave_unsettled([claim], owner)

    def leave_unsettled(self, claims: Sequence[Claim], owner: Row) -> None:
        """Note claims ``owner`` may hold although its write's outcome is unknown: :meth:`settle`
        releases them later unless the row turns out to hold them."""
        if claims:
            with self._lock:
                self._unsettled += [(claim, owner, now_ms()) for claim in claims]

    def settle(self) -> int:
        """Release the unsettled claims (older than :data:`SETTLE_AFTER_MS`) their owner row does
        not hold, read at the serial consistency; those that cannot be settled now stay noted.

        :return: how many claims were released.
        """
        with self._lock:
            pending, self._unsettled = self._unsettled, []
        waiting, released = [], 0
        for claim, owner, since in pending:
            try:
                if now_ms() - since < SETTLE_AFTER_MS:
                    waiting.append((claim, owner, since))
                elif not self._owner_holds(claim, self._owner_key(owner), linearizable=True):
                    self._statements.execute(self._release_request(claim, owner))
                    released += 1
            except DAOError as exc:
                log.warning("could not settle %s claim %r yet: %s", claim.table.claim.name, claim.value, exc)
                waiting.append((claim, owner, since))
        with self._lock:
            self._unsettled += waiting
        return released

    def _release_request(self, claim: Claim, owner: Row) -> Request:
        return Request(claim.table.release, [claim.value, *self._owner_key(owner)], lwt=True)

    def _owner_key(self, owner: Row) -> list[Any]:
        return [encode(self.entity[name], owner[name]) for name in self.entity.primary_key]

    @staticmethod
    def _claim_request(claim: Claim, key: list[Any], ttl: int, renew: bool) -> Request:
        if renew:
            return Request(claim.table.claim_or_renew, [ttl, *key, now_ms(), claim.value, *key], lwt=True)
        return Request(claim.table.claim_new, [ttl, *key, now_ms(), claim.value], lwt=True)


def _owner(claim: Claim, holder: Row) -> list[Any]:
    return [holder[column] for column in claim.table.owners]


def _unique_error(taken: Sequence[Claim]) -> UniqueError:
    singles = {claim.field: claim.shown for claim in taken if not claim.table.claim.is_group}
    if singles:
        return UniqueError.for_values(singles)
    return UniqueError(taken[0].table.claim.message or "already exists")
