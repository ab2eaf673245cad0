"""Uniqueness under concurrency: claims are lightweight transactions, so of
many writers of one value exactly one wins, and nothing is left behind."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kong_orm import DAOFactory, UniqueError
from tests.cassandra.claims_check import assert_no_orphan_claims

THREADS = 24


def race(count: int, attempt: Callable[[int], Any]) -> list[Any]:
    """Run ``attempt(i)`` in ``count`` threads released at the same instant; outcomes in order."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return attempt(i)
        except UniqueError as error:
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _winners(outcomes: list[Any]) -> list[Any]:
    return [outcome for outcome in outcomes if not isinstance(outcome, UniqueError)]


def test_one_of_many_inserts_of_a_username_wins(factory: DAOFactory, session: Any) -> None:
    outcomes = race(THREADS, lambda i: factory.consumers.insert({"username": "contended", "custom_id": f"c{i}"}))
    winners = _winners(outcomes)
    assert len(winners) == 1
    assert all(str(o) == "username=already exists with value 'contended'" for o in outcomes if o not in winners)
    assert factory.consumers.find_all() == winners
    assert_no_orphan_claims(factory, session, "consumers")


def test_one_of_many_identical_apis_wins(factory: DAOFactory, session: Any) -> None:
    values = {"name": "same", "request_host": "same.example.com", "request_path": "/same", "upstream_url": "http://u.com"}
    outcomes = race(THREADS, lambda i: factory.apis.insert(values))
    winners = _winners(outcomes)
    assert len(winners) == 1
    for error in outcomes:
        if error not in winners:
            assert "name" in error.errors and set(error.errors) <= {"name", "request_host", "request_path"}
    assert factory.apis.count() == 1
    assert_no_orphan_claims(factory, session, "apis")


def test_one_of_many_identical_plugins_wins(factory: DAOFactory, session: Any) -> None:
    api = factory.apis.insert({"request_host": "plugged.example.com", "upstream_url": "http://u.com"})
    values = {"name": "rate-limiting", "api_id": api["id"], "config": {"second": 5}}
    outcomes = race(THREADS, lambda i: factory.plugins.insert(values))
    assert len(_winners(outcomes)) == 1
    assert {str(o) for o in outcomes if isinstance(o, UniqueError)} == {"Plugin configuration already exists"}
    assert_no_orphan_claims(factory, session, "plugins")


def test_one_of_many_updates_to_a_username_wins(factory: DAOFactory, session: Any) -> None:
    consumers = [factory.consumers.insert({"username": f"before{i}"}) for i in range(THREADS)]
    outcomes = race(THREADS, lambda i: factory.consumers.update({"username": "wanted"}, {"id": consumers[i]["id"]}))
    winners = _winners(outcomes)
    assert len(winners) == 1 and winners[0]["username"] == "wanted"
    assert all(str(o) == "username=already exists with value 'wanted'" for o in outcomes if o not in winners)
    assert factory.consumers.count({"username": "wanted"}) == 1
    assert factory.consumers.count() == THREADS
    assert_no_orphan_claims(factory, session, "consumers")


def test_concurrent_updates_of_one_row_all_apply_in_turn(factory: DAOFactory, session: Any) -> None:
    consumer = factory.consumers.insert({"username": "start", "custom_id": "fixed"})
    outcomes = race(THREADS, lambda i: factory.consumers.update({"username": f"name{i}"}, {"id": consumer["id"]}))
    assert len(_winners(outcomes)) == THREADS
    final = factory.consumers.find({"id": consumer["id"]})
    assert final is not None and final["username"] in {f"name{i}" for i in range(THREADS)}
    assert final["custom_id"] == "fixed"
    assert_no_orphan_claims(factory, session, "consumers")
    factory.consumers.insert({"username": "start"})


def test_batches_racing_for_the_same_values_write_each_value_at_most_once(factory: DAOFactory, session: Any) -> None:
    def batch(i: int) -> list[Any]:
        shared = [{"username": f"shared{n}"} for n in range(10)]
        return factory.consumers.insert_many([*shared, {"username": f"own{i}"}])

    outcomes = race(THREADS // 4, batch)
    winners = _winners(outcomes)
    assert len(winners) <= 1
    stored = sorted(row["username"] for row in factory.consumers.find_all())
    assert stored == sorted(row["username"] for rows in winners for row in rows)
    assert_no_orphan_claims(factory, session, "consumers")
