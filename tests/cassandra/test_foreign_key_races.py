"""Foreign keys under concurrency: a parent deleted while children are
inserted for it leaves no orphan; each insert either succeeded while its
parent was there (and the parent's cascade deleted it) or raised
ForeignKeyError."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kong_orm import DAOFactory, ForeignKeyError
from kong_orm.events import EventType
from kong_orm.testing.contract.helpers import add_api, add_consumer, add_plugin
from tests.cassandra.claims_check import assert_no_orphan_claims

TRIALS = 12
INSERTERS = 4


def _trial(factory: DAOFactory, consumers: list[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Delete a fresh api while plugins are inserted for it; the inserts' outcomes and the rows cascaded."""
    api = add_api(factory)
    cascaded: list[dict[str, Any]] = []

    def collect(kind: Any, entity: str, row: dict[str, Any]) -> None:
        if kind == EventType.ENTITY_DELETED and entity == "plugins":
            cascaded.append(row)

    unsubscribe = factory.events.subscribe(collect)
    barrier = threading.Barrier(INSERTERS + 1)

    def insert(consumer: dict[str, Any]) -> Any:
        barrier.wait()
        try:
            return add_plugin(factory, api, consumer_id=consumer["id"])
        except ForeignKeyError as error:
            return error

    def delete() -> None:
        barrier.wait()
        threading.Event().wait(random.uniform(0, 0.03))
        factory.apis.delete({"id": api["id"]})

    with ThreadPoolExecutor(INSERTERS + 1) as pool:
        deleted = pool.submit(delete)
        outcomes = list(pool.map(insert, consumers))
        deleted.result()
    unsubscribe()
    return outcomes, cascaded


def test_no_child_outlives_a_parent_deleted_during_its_insert(factory: DAOFactory, session: Any) -> None:
    consumers = [add_consumer(factory) for _ in range(INSERTERS)]
    refused = 0
    for _ in range(TRIALS):
        outcomes, cascaded = _trial(factory, consumers)
        assert factory.plugins.find_all() == []
        for outcome in outcomes:
            if isinstance(outcome, ForeignKeyError):
                refused += 1
                assert set(outcome.errors) == {"api_id"}
            else:
                assert outcome["id"] in {row["id"] for row in cascaded}
    assert_no_orphan_claims(factory, session, "plugins")
    assert 0 < refused < TRIALS * INSERTERS  # both outcomes happened: the race was run
