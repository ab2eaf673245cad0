"""Writes are never retried blindly: a write whose outcome is unknown is
reported as such, not sent again by the driver or by kong_orm."""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cassandra import ConsistencyLevel, OperationTimedOut, WriteTimeout, WriteType
from cassandra.policies import RetryPolicy

from kong_orm import DAOFactory, DatabaseError
from kong_orm.backends.cassandra.connection import RETRY_POLICY, cluster_options
from kong_orm.backends.cassandra.errors import OutcomeUnknown, translate
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.backends.cassandra.statements import Request, Statements
from kong_orm.plugins.metrics import PERIODS
from kong_orm.testing import count_statements
from kong_orm.testing.contract.helpers import add_consumer
from tests.cassandra.conftest import backend_of

WRITE_TYPES = [WriteType.SIMPLE, WriteType.BATCH, WriteType.UNLOGGED_BATCH, WriteType.COUNTER,
               WriteType.BATCH_LOG, WriteType.CAS]


class _Statement:
    def __init__(self, idempotent: bool) -> None:
        self.is_idempotent = idempotent


@pytest.mark.parametrize("write_type", WRITE_TYPES)
def test_the_driver_never_retries_a_write_that_timed_out(write_type: int) -> None:
    decision, _ = RETRY_POLICY.on_write_timeout(_Statement(False), ConsistencyLevel.QUORUM, write_type, 2, 1, 0)
    assert decision == RetryPolicy.RETHROW


def test_the_driver_retries_only_reads_after_a_lost_connection() -> None:
    error = ConnectionError("lost")
    assert RETRY_POLICY.on_request_error(_Statement(False), None, error, 0)[0] == RetryPolicy.RETHROW
    assert RETRY_POLICY.on_request_error(_Statement(True), None, error, 0)[0] == RetryPolicy.RETRY_NEXT_HOST
    assert RETRY_POLICY.on_request_error(_Statement(True), None, error, 1)[0] == RetryPolicy.RETHROW


def test_every_profile_and_statement_gets_the_policy(factory: DAOFactory) -> None:
    profile = cluster_options(CassandraSettings())["execution_profiles"]
    assert all(p.retry_policy is RETRY_POLICY for p in profile.values())
    backend = backend_of(factory)
    statements = backend.statements
    session = backend.connection.session()
    cql = backend.keyspace.cql(factory.catalog["consumers"])
    write = statements._statement(session, Request(cql.delete, [None], lwt=True))
    read = statements._statement(session, Request(cql.select_by_pk, [None]))
    assert (write.retry_policy, write.is_idempotent) == (RETRY_POLICY, False)
    assert (read.retry_policy, read.is_idempotent) == (RETRY_POLICY, True)


def test_a_write_timeout_says_the_outcome_is_unknown() -> None:
    timeout = WriteTimeout("timed out", consistency=ConsistencyLevel.QUORUM, required_responses=2,
                           received_responses=1, write_type=WriteType.CAS)
    error = translate(timeout, write=True)
    assert isinstance(error, OutcomeUnknown) and isinstance(error, DatabaseError)
    assert "outcome unknown" in str(error)
    assert not isinstance(translate(OperationTimedOut("slow"), write=False), OutcomeUnknown)


def _tiny_timeout(monkeypatch: pytest.MonkeyPatch, statements: Statements) -> None:
    monkeypatch.setattr(statements, "_settings", dataclasses.replace(statements._settings, timeout=0.0002))


def test_an_insert_that_times_out_is_sent_once_and_says_so(
    factory: DAOFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(factory)
    factory.consumers.count()  # connected and prepared before the timeout shrinks
    add_consumer(factory)
    _tiny_timeout(monkeypatch, backend.statements)
    with count_statements(factory) as counted, pytest.raises(DatabaseError) as raised:
        factory.consumers.insert({"username": "in-doubt"})
    assert "outcome unknown" in str(raised.value)
    claim = backend.keyspace.claims(factory.catalog["consumers"]).tables[1].claim_new
    assert counted.statements.count(claim) == 1  # claimed once, never again


def test_a_counter_increment_that_times_out_is_not_retried(
    factory: DAOFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = factory.catalog["ratelimiting_metrics"]
    dao: Any = factory.dao("ratelimiting_metrics")
    backend = backend_of(factory)
    api = factory.apis.insert({"request_host": "counted.example.com", "upstream_url": "http://u.com"})
    dao.increment(api["id"], "ip", 0, 1)
    _tiny_timeout(monkeypatch, backend.statements)
    with count_statements(factory) as counted, pytest.raises(DatabaseError) as raised:
        dao.increment(api["id"], "ip", 0, 1)
    assert "outcome unknown" in str(raised.value)
    increments = [s for s in counted.statements if s == backend.keyspace.cql(metrics).increment]
    assert len(increments) == len(PERIODS)  # one per period, each sent once
