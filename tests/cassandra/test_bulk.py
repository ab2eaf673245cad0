"""insert_many on Cassandra: no transaction spans the rows, so a batch that
fails after some of its rows were written deletes them again and releases
every claim it took; a row whose write timed out keeps its claims unless it
was there to delete."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cassandra import OperationTimedOut

from kong_orm import DAOFactory, DatabaseError, ForeignKeyError, UniqueError
from kong_orm.backends.cassandra.errors import OutcomeUnknown
from kong_orm.backends.cassandra.statements import Request, _Failed
from kong_orm.testing.contract.helpers import add_api, add_consumer
from tests.cassandra.claims_check import assert_no_orphan_claims, needed_claims, stored_claims
from tests.cassandra.conftest import backend_of


class _TimedOut:
    """A request the driver reports as timed out, after sending it (``sent``) or without."""

    def __init__(self, sent: Any | None) -> None:
        self._sent = sent

    def add_callbacks(self, callback: Callable[[Any], None], errback: Callable[[Any], None]) -> None:
        if self._sent is None:
            errback(None)
        else:
            self._sent.add_callbacks(callback, errback)

    def result(self) -> Any:
        if self._sent is not None:
            self._sent.result()
        raise OperationTimedOut("timed out")


def _on_insert_of(
    monkeypatch: pytest.MonkeyPatch, factory: DAOFactory, entity: str, row: Any, answer: Callable[[Request], Any]
) -> None:
    """Have ``answer(request)`` stand for the driver's future of the insert of the row whose id is ``row``."""
    statements = backend_of(factory).statements
    cql = backend_of(factory).keyspace.cql(factory.catalog[entity])
    send = statements._execute

    def patched(request: Request) -> Any:
        if request.cql in (cql.insert, cql.insert_fresh) and request.params[0] == row:
            return answer(request)
        return send(request)

    monkeypatch.setattr(statements, "_execute", patched)


def _plugin(api: dict[str, Any], consumer: dict[str, Any]) -> dict[str, Any]:
    return {"name": "rate-limiting", "api_id": api["id"], "consumer_id": consumer["id"], "config": {"second": 5}}


def _batch(n: int) -> list[dict[str, Any]]:
    return [{"id": uuid.uuid4(), "username": f"bulk{i}", "custom_id": f"bulk-id{i}"} for i in range(n)]


def test_a_taken_value_releases_the_claims_of_the_other_rows(factory: DAOFactory, session: Any) -> None:
    add_consumer(factory, username="bulk3")
    with pytest.raises(UniqueError):
        factory.consumers.insert_many(_batch(6))
    assert factory.consumers.count() == 1
    assert_no_orphan_claims(factory, session, "consumers")


def test_a_taken_key_deletes_the_rows_written_and_their_claims(factory: DAOFactory, session: Any) -> None:
    stored = add_consumer(factory, username="stored")
    rows = [{"username": f"fresh{i}"} for i in range(5)] + [{"id": stored["id"], "username": "later"}]
    with pytest.raises(UniqueError):
        factory.consumers.insert_many(rows)
    assert factory.consumers.find_all() == [stored]
    assert_no_orphan_claims(factory, session, "consumers")


def test_a_write_that_fails_removes_the_batch(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _batch(5)
    _on_insert_of(monkeypatch, factory, "consumers", rows[2]["id"], lambda _: _Failed(TypeError("not sent")))
    with pytest.raises(DatabaseError):
        factory.consumers.insert_many(rows)
    monkeypatch.undo()
    assert factory.consumers.count() == 0
    assert_no_orphan_claims(factory, session, "consumers")
    assert len(factory.consumers.insert_many(rows)) == 5


def test_a_write_that_timed_out_after_landing_is_removed_too(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _batch(5)
    send = backend_of(factory).statements._execute
    _on_insert_of(monkeypatch, factory, "consumers", rows[2]["id"], lambda request: _TimedOut(send(request)))
    with pytest.raises(OutcomeUnknown):
        factory.consumers.insert_many(rows)
    monkeypatch.undo()
    assert factory.consumers.count() == 0
    assert_no_orphan_claims(factory, session, "consumers")


def test_a_write_that_timed_out_unseen_keeps_its_claims(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _batch(5)
    _on_insert_of(monkeypatch, factory, "consumers", rows[2]["id"], lambda _: _TimedOut(None))
    with pytest.raises(OutcomeUnknown):
        factory.consumers.insert_many(rows)
    monkeypatch.undo()
    assert factory.consumers.count() == 0
    left = stored_claims(factory, session, "consumers") - needed_claims(factory, "consumers")
    assert {(value, owner) for _, value, owner in left} == {
        ("bulk2", (rows[2]["id"],)),
        ("bulk-id2", (rows[2]["id"],)),
    }


def test_a_parent_deleted_during_the_batch_removes_it(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = add_api(factory)
    consumers = [add_consumer(factory) for _ in range(3)]
    rows = [_plugin(api, consumer) for consumer in consumers]
    statements = backend_of(factory).statements
    insert = backend_of(factory).keyspace.cql(factory.catalog["plugins"]).insert_fresh
    send = statements._execute

    def delete_the_api_first(request: Request) -> Any:
        if request.cql == insert and factory.apis.find({"id": api["id"]}) is not None:
            factory.apis.delete({"id": api["id"]})  # after the check, before the writes
        return send(request)

    monkeypatch.setattr(statements, "_execute", delete_the_api_first)
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.insert_many(rows)
    monkeypatch.undo()
    assert set(raised.value.errors) == {"rows[0].api_id", "rows[1].api_id", "rows[2].api_id"}
    assert factory.plugins.find_all() == []
    assert_no_orphan_claims(factory, session, "plugins")


PARENT_TTL = 5


def test_children_live_no_longer_than_their_parent_and_claims_as_long_as_their_row(
    factory: DAOFactory, session: Any
) -> None:
    brief, lasting = add_api(factory, ttl=PARENT_TTL), add_api(factory)
    consumers = factory.consumers.insert_many([{"username": "c1"}, {"username": "c2"}], ttl=100)
    rows = [_plugin(api, consumer) for api in (brief, lasting) for consumer in consumers]
    factory.plugins.insert_many(rows, ttl=50)
    table = backend_of(factory).keyspace.qualified("plugins")
    ttls = {(row.api_id, row.ttl) for row in session.execute(f"SELECT api_id, TTL(config) AS ttl FROM {table}")}
    assert {api for api, _ in ttls} == {brief["id"], lasting["id"]}
    assert all(0 < ttl <= (PARENT_TTL if api == brief["id"] else 50) for api, ttl in ttls)
    claim_table = backend_of(factory).keyspace.qualified("consumers_username_claims")
    assert all(95 <= row.ttl <= 100 for row in session.execute(f"SELECT TTL(owner_id) AS ttl FROM {claim_table}"))
    time.sleep(PARENT_TTL + 1.2)
    assert {row["api_id"] for row in factory.plugins.find_all()} == {lasting["id"]}
    assert_no_orphan_claims(factory, session, "plugins")
