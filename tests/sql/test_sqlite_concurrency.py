"""Several factories on one SQLite file: writers wait instead of failing."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kong_orm import create_factory


def _insert_consumers(url: str, prefix: str, count: int) -> int:
    factory = create_factory(url)
    try:
        for n in range(count):
            consumer = factory.consumers.insert({"username": f"{prefix}-{n}"})
            factory.consumers.update({"custom_id": f"{prefix}-{n}"}, {"id": consumer["id"]})
        return count
    finally:
        factory.close()


def _migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    factory = create_factory(url)
    factory.run_migrations()
    factory.close()
    return url


def test_threads_with_their_own_factories_share_a_file(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = sum(pool.map(_insert_consumers, [url] * 6, [f"t{n}" for n in range(6)], [25] * 6))
    assert create_factory(url).consumers.count() == done == 150


def test_processes_share_a_file(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        done = sum(pool.starmap(_insert_consumers, [(url, f"p{n}", 40) for n in range(4)]))
    factory = create_factory(url)
    assert factory.consumers.count() == done == 160
    assert factory.consumers.count({"custom_id": "p3-39"}) == 1


def test_threads_share_one_in_memory_factory() -> None:
    factory = create_factory("sqlite://")
    factory.run_migrations()

    def insert_batch(prefix: str) -> int:
        for n in range(30):
            factory.consumers.insert({"username": f"{prefix}-{n}"})
        return 30

    with ThreadPoolExecutor(max_workers=5) as pool:
        done = sum(pool.map(insert_batch, ["a", "b", "c", "d", "e"]))
    assert factory.consumers.count() == done == 150
    factory.close()
