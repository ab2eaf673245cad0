"""kong_orm on a three-node cluster (replication factor 3, QUORUM, SERIAL claims)
while nodes stop, die and come back, and a writer keeps inserting throughout.

The tests run in file order, one scenario: all nodes up, one node stopped, one
node killed, two nodes down, nodes back, then the writer's acknowledged rows
are read back and the claim tables and children checked for leftovers.
Durations are measured and printed (``fault figures``), not asserted; only two
far bounds fail on time: a call still running after :data:`HANG_LIMIT` (a hang),
and verbs still failing :data:`KILLED_LIMIT` after a node was killed.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import RoundRobinPolicy

from kong_orm import Config, DAOFactory, create_factory
from kong_orm.backends.cassandra.claims import SETTLE_AFTER_MS
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.errors import DatabaseError
from tests.cassandra.claims_check import needed_claims, stored_claims
from tests.faults.conftest import CLUSTER_URL_VARIABLE
from tests.faults.figures import record
from tests.faults.workload import PLUGIN, Writer, bounded_call, every_verb, new_api
from tests.servers import cassandra_cluster as cluster

TIMEOUT = 3.0
HANG_LIMIT = 60.0
"""Far beyond any call's statements times :data:`TIMEOUT`: only a hang gets there."""
KILLED_LIMIT = 120.0
"""Peers convict a killed node after about 30 s; by then every verb must work."""
CLEAN_ROUNDS = 3
TWO_DOWN_WINDOW = 40.0
STOPPED, KILLED = 3, 2


@pytest.fixture(scope="module")
def factory() -> Iterator[DAOFactory]:
    made = create_factory(Config.from_url(os.environ[CLUSTER_URL_VARIABLE], timeout=TIMEOUT), plugins=[PLUGIN])
    made.drop_schema()
    made.run_migrations()
    yield made
    made.close()


@pytest.fixture(scope="module")
def writer(factory: DAOFactory) -> Iterator[Writer]:
    running = Writer(factory)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module", autouse=True)
def every_node_up_afterwards() -> Iterator[None]:
    yield
    for node in range(1, len(cluster.hosts()) + 1):
        cluster.start_node(node)


@pytest.fixture(scope="module")
def quorum_session(factory: DAOFactory) -> Iterator[Any]:
    """A driver session of the test's own, reading the claim tables at QUORUM."""
    settings = CassandraSettings.from_config(factory.config)
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), consistency_level=ConsistencyLevel.QUORUM)
    session_cluster = Cluster(
        list(settings.contact_points),
        port=settings.port,
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )
    try:
        yield session_cluster.connect()
    finally:
        session_cluster.shutdown()


def _seconds(took: dict[str, float]) -> str:
    return ", ".join(f"{verb} {seconds:.2f}" for verb, seconds in sorted(took.items()))


def _slowest(runs: list[dict[str, float]]) -> dict[str, float]:
    slowest: dict[str, float] = {}
    for took in runs:
        for verb, seconds in took.items():
            slowest[verb] = max(slowest.get(verb, 0.0), seconds)
    return slowest


def test_every_verb_works_with_every_node_up(factory: DAOFactory, writer: Writer) -> None:
    record("every node up: slowest call per verb (s)", _seconds(every_verb(factory, "all-up")))


def test_every_verb_works_with_one_node_stopped(factory: DAOFactory, writer: Writer) -> None:
    cluster.stop_node(STOPPED)
    try:
        record("one node stopped: slowest call per verb (s)", _seconds(every_verb(factory, "one-stopped")))
    finally:
        cluster.start_node(STOPPED)


def test_every_verb_works_again_soon_after_one_node_is_killed(factory: DAOFactory, writer: Writer) -> None:
    """Until the coordinators stop choosing the dead replica, a statement sent its
    way runs into the client timeout (a DatabaseError); then every verb works again,
    the node still dead."""
    cluster.kill_node(KILLED)
    killed = time.monotonic()
    try:
        failed: Counter[str] = Counter()
        clean: list[dict[str, float]] = []
        since_kill = 0.0
        for attempt in itertools.count():
            if len(clean) >= CLEAN_ROUNDS:
                break
            since_kill = time.monotonic() - killed
            assert since_kill < KILLED_LIMIT, f"verbs still failing {KILLED_LIMIT:.0f} s after the kill: {failed}"
            # a tag per round: a round that failed may have left its rows and claims behind
            outcome = bounded_call(partial(every_verb, factory, f"one-killed-{attempt}"), HANG_LIMIT)
            if outcome.error is None:
                clean.append(outcome.result)
                continue
            if not isinstance(outcome.error, DatabaseError):
                raise outcome.error
            failed[str(outcome.error)[:60]] += 1
            clean.clear()
        record(
            "one node killed: rounds of every verb that failed (DatabaseError), last one started after (s)",
            f"{sum(failed.values())}, {since_kill:.1f}" if failed else "0",
        )
        record("one node killed: slowest call per verb afterwards (s)", _seconds(_slowest(clean)))
    finally:
        cluster.start_node(KILLED)


def test_two_nodes_down_fail_fast_with_database_error(factory: DAOFactory, writer: Writer) -> None:
    apis, consumers = factory.dao("apis"), factory.dao("consumers")
    api = new_api(factory, "two-down")
    calls = {
        "insert": lambda n: consumers.insert({"username": f"two-down-{n}"}),
        "find": lambda n: apis.find({"id": api["id"]}),
        "find_all": lambda n: apis.find_all({"name": api["name"]}),
        "find_page": lambda n: apis.find_page({"name": api["name"]}),
        "count": lambda n: apis.count(),
        "update": lambda n: apis.update({"upstream_url": f"http://two-down-{n}.example.com"}, {"id": api["id"]}),
        "delete": lambda n: apis.delete({"id": api["id"]}),
    }
    cluster.kill_node(KILLED)
    cluster.stop_node(STOPPED)
    down = time.monotonic()
    durations: dict[str, list[float]] = {verb: [] for verb in calls}
    raised: Counter[str] = Counter()
    not_database_errors: list[BaseException | None] = []
    last_slow_call = 0.0
    while time.monotonic() < down + TWO_DOWN_WINDOW:
        for verb, call in calls.items():
            outcome = bounded_call(partial(call, sum(raised.values())), HANG_LIMIT)
            durations[verb].append(outcome.seconds)
            raised[type(outcome.error).__name__] += 1
            if not isinstance(outcome.error, DatabaseError):  # OutcomeUnknown is one too
                not_database_errors.append(outcome.error)
            if outcome.seconds > 1:
                last_slow_call = time.monotonic() - down
    record("two nodes down: exceptions raised", str(dict(raised)))
    record("two nodes down: slowest / median call per verb (s)", _slowest_and_median(durations))
    record("two nodes down: last call slower than 1 s ended after (s)", f"{last_slow_call:.1f}")
    assert not_database_errors == []


def _slowest_and_median(durations: dict[str, list[float]]) -> str:
    return ", ".join(
        f"{verb} {max(times):.2f} / {sorted(times)[len(times) // 2]:.2f}" for verb, times in durations.items()
    )


def test_the_same_factory_works_again_when_the_nodes_are_back(factory: DAOFactory, writer: Writer) -> None:
    apis = factory.dao("apis")
    first_success: list[float] = []
    began = time.monotonic()
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set() and not first_success:
            try:
                apis.count()
            except DatabaseError:
                stop.wait(0.2)
            else:
                first_success.append(time.monotonic() - began)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    try:
        cluster.start_node(KILLED)
        node_back = time.monotonic() - began
        cluster.start_node(STOPPED)
        prober.join(HANG_LIMIT)
    finally:
        stop.set()
    assert first_success, "no call succeeded after the nodes came back"
    record(
        "nodes back: first successful call after relaunch (s)",
        f"{first_success[0]:.1f} (first node back answered after {node_back:.1f})",
    )
    record("nodes back: slowest call per verb (s)", _seconds(every_verb(factory, "back")))


def test_every_acknowledged_write_reads_back(factory: DAOFactory, writer: Writer) -> None:
    time.sleep(5)
    writer.stop()
    apis, plugins = factory.dao("apis"), factory.dao("plugins")
    lost_apis = [row for row in writer.acknowledged_apis if apis.find({"id": row["id"]}) != row]
    lost_plugins = [
        row for row in writer.acknowledged_plugins if plugins.find({"id": row["id"], "name": row["name"]}) != row
    ]
    record(
        "writer: acknowledged / refused (DatabaseError) / lost",
        f"apis {len(writer.acknowledged_apis)} / {writer.refused['apis']} / {len(lost_apis)}, "
        f"plugins {len(writer.acknowledged_plugins)} / {writer.refused['plugins']} / {len(lost_plugins)}",
    )
    record("writer: slowest call (s)", f"{writer.slowest_call:.2f}")
    assert writer.unexpected == []
    assert writer.acknowledged_apis
    assert lost_apis == []
    assert lost_plugins == []


def test_the_next_purge_settles_claims_of_unknown_outcomes(factory: DAOFactory) -> None:
    time.sleep(SETTLE_AFTER_MS / 1000)  # the writer stopped in the test before
    factory.purge_expired()


@pytest.mark.parametrize("entity", ["apis", "consumers", "plugins"])
def test_no_claim_is_left_without_its_row(factory: DAOFactory, quorum_session: Any, entity: str) -> None:
    stored, needed = stored_claims(factory, quorum_session, entity), needed_claims(factory, entity)
    record(f"{entity}: orphan claims / missing claims", f"{len(stored - needed)} / {len(needed - stored)}")
    assert stored == needed


def test_no_plugin_is_left_without_its_api(factory: DAOFactory) -> None:
    api_ids = {row["id"] for row in factory.dao("apis").find_all()}
    orphans = [row for row in factory.dao("plugins").find_all() if row["api_id"] not in api_ids]
    record("plugins: orphan children", str(len(orphans)))
    assert orphans == []
