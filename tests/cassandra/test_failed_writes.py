"""A failed write releases the claims it took, whatever the exception; one of unknown outcome
leaves them for the next purge to settle."""
from __future__ import annotations

from typing import Any

import pytest

from kong_orm import DAOFactory, DatabaseError
from kong_orm.backends.cassandra import cascades as cascades_module
from kong_orm.backends.cassandra import claims as claims_module
from kong_orm.backends.cassandra.errors import OutcomeUnknown
from kong_orm.backends.cassandra.statements import Request, Statements, _Failed
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin, plugin_key
from tests.cassandra.claims_check import assert_no_orphan_claims, stored_claims
from tests.cassandra.conftest import backend_of


def _fail_on(monkeypatch: pytest.MonkeyPatch, statements: Statements, cql: str, exc: BaseException) -> None:
    """Make ``execute`` of ``cql`` raise ``exc`` (a bug or an interrupt, not a store failure)."""
    execute = statements.execute

    def failing(request: Request) -> Any:
        if request.cql == cql:
            raise exc
        return execute(request)

    monkeypatch.setattr(statements, "execute", failing)


@pytest.mark.parametrize("exc", [TypeError("not bindable"), KeyboardInterrupt()], ids=["TypeError", "interrupt"])
def test_a_plugin_insert_failing_after_its_claim_releases_it(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    api = add_api(factory)
    backend = backend_of(factory)
    with monkeypatch.context() as patched:
        _fail_on(patched, backend.statements, backend.keyspace.cql(factory.catalog["plugins"]).insert_fresh, exc)
        with pytest.raises(type(exc)):
            add_plugin(factory, api)
    assert_no_orphan_claims(factory, session, "plugins")
    assert add_plugin(factory, api)["api_id"] == api["id"]


def test_an_update_failing_after_its_claim_releases_it(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = add_consumer(factory, username="before")
    backend = backend_of(factory)
    with monkeypatch.context() as patched:
        _fail_on(patched, backend.statements, backend.keyspace.cql(factory.catalog["consumers"]).update, TypeError())
        with pytest.raises(TypeError):
            factory.consumers.update({"username": "after"}, {"id": consumer["id"]})
    assert_no_orphan_claims(factory, session, "consumers")
    assert add_consumer(factory, username="after")["username"] == "after"


def test_a_delete_releases_the_claims_of_every_row_it_deleted(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = add_api(factory)
    first, second = (add_plugin(factory, api, consumer_id=add_consumer(factory)["id"]) for _ in range(2))
    backend = backend_of(factory)
    delete = backend.keyspace.cql(factory.catalog["plugins"]).delete
    send = backend.statements._execute

    def second_fails(request: Request) -> Any:
        if request.cql == delete and request.params[0] == second["id"]:
            return _Failed(TypeError("not sent"))
        return send(request)

    monkeypatch.setattr(backend.statements, "_execute", second_fails)
    with pytest.raises(DatabaseError):
        factory.apis.delete({"id": api["id"]})
    monkeypatch.undo()
    assert factory.plugins.find(plugin_key(first)) is None
    assert factory.plugins.find(plugin_key(second)) == second
    assert_no_orphan_claims(factory, session, "plugins")
    assert_no_orphan_claims(factory, session, "apis")


def _failing_delete_of(monkeypatch: pytest.MonkeyPatch, factory: DAOFactory, entity: str, key: Any) -> None:
    """Make the delete of the ``entity`` row whose first key value is ``key`` fail unsent."""
    backend = backend_of(factory)
    delete = backend.keyspace.cql(factory.catalog[entity]).delete
    send = backend.statements._execute

    def fails(request: Request) -> Any:
        if request.cql == delete and request.params[0] == key:
            return _Failed(TypeError("not sent"))
        return send(request)

    monkeypatch.setattr(backend.statements, "_execute", fails)


def test_a_cascade_cut_short_is_announced_so_far_and_finished_by_the_next_purge(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = add_api(factory)
    first, second = (add_plugin(factory, api, consumer_id=add_consumer(factory)["id"]) for _ in range(2))
    seen: list[tuple[str, Any]] = []
    factory.events.subscribe(lambda kind, entity, row: seen.append((entity, row["id"])))
    with monkeypatch.context() as patched:
        _failing_delete_of(patched, factory, "plugins", second["id"])
        with pytest.raises(DatabaseError):
            factory.apis.delete({"id": api["id"]})
    assert seen == [("apis", api["id"]), ("plugins", first["id"])]
    assert factory.plugins.find(plugin_key(second)) == second  # until the purge
    assert factory.purge_expired() == 1
    assert seen[-1] == ("plugins", second["id"])
    assert factory.plugins.find(plugin_key(second)) is None
    assert factory.purge_expired() == 0
    assert_no_orphan_claims(factory, session, "plugins")


def test_the_note_of_a_delete_that_failed_before_its_row_went_is_dropped_once_stale(
    factory: DAOFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = add_api(factory)
    plugin = add_plugin(factory, api)
    cascades = backend_of(factory).keyspace.cascades
    with monkeypatch.context() as patched:
        _failing_delete_of(patched, factory, "apis", api["id"])
        with pytest.raises(DatabaseError):
            factory.apis.delete({"id": api["id"]})
    assert [pending.row["id"] for pending in cascades.pending()] == [api["id"]]
    assert factory.purge_expired() == 0
    assert len(cascades.pending()) == 1  # too recent: the delete could still be under way
    monkeypatch.setattr(cascades_module, "SETTLE_AFTER_SECONDS", 0)
    assert factory.purge_expired() == 0
    assert cascades.pending() == []
    assert factory.plugins.find(plugin_key(plugin)) == plugin


def _outcome_unknown() -> OutcomeUnknown:
    return OutcomeUnknown("cassandra", "write timed out; outcome unknown, the write may or may not have been applied")


def test_claims_of_a_write_of_unknown_outcome_are_settled_by_the_next_purge(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(factory)
    with monkeypatch.context() as patched:
        _fail_on(patched, backend.statements, backend.keyspace.cql(factory.catalog["consumers"]).insert_fresh,
                 _outcome_unknown())
        with pytest.raises(DatabaseError):
            add_consumer(factory, username="unknown")
    assert len(stored_claims(factory, session, "consumers")) == 1  # kept: the row might hold it
    factory.purge_expired()
    assert len(stored_claims(factory, session, "consumers")) == 1  # too recent to settle
    monkeypatch.setattr(claims_module, "SETTLE_AFTER_MS", 0)
    factory.purge_expired()
    assert_no_orphan_claims(factory, session, "consumers")
    assert add_consumer(factory, username="unknown")["username"] == "unknown"


def test_a_write_of_unknown_outcome_that_landed_keeps_its_claims(
    factory: DAOFactory, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(factory)
    insert = backend.keyspace.cql(factory.catalog["consumers"]).insert_fresh
    execute = backend.statements.execute

    def lands_then_times_out(request: Request) -> Any:
        result = execute(request)
        if request.cql == insert:
            raise _outcome_unknown()
        return result

    with monkeypatch.context() as patched:
        patched.setattr(backend.statements, "execute", lands_then_times_out)
        with pytest.raises(DatabaseError):
            add_consumer(factory, username="landed")
    monkeypatch.setattr(claims_module, "SETTLE_AFTER_MS", 0)
    factory.purge_expired()
    assert [row["username"] for row in factory.consumers.find_all()] == ["landed"]
    assert_no_orphan_claims(factory, session, "consumers")
