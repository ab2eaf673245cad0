"""The partial ``expire_at`` index serves what reads expired rows: the unfiltered
count (every row minus the expired ones) and the purge's lookup of expired rows.

Plans are asked of the migrated tables of every entity. PostgreSQL scans a table of
a few rows whole whatever its indexes, so there sequential scans are priced out
and the plan says whether the index *can* serve the statement; its generic plan
is asked for, the one a prepared statement ends up with.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kong_orm import DAOFactory
from kong_orm.backends.sql.compiled import SQLText
from kong_orm.backends.sql.repository import PURGE_BATCH
from kong_orm.backends.sql.statements import NOW
from kong_orm.registry import Catalog
from kong_orm.repository import now_ms

ENTITIES = [entity.name for entity in Catalog.serving()]


@contextmanager
def _cursor(factory: DAOFactory) -> Iterator[Any]:
    """A cursor on a connection of its own, thrown away after (no setting or prepared statement stays)."""
    raw = factory.backend.store.engine.raw_connection()  # type: ignore[attr-defined]
    try:
        yield raw.cursor()
    finally:
        raw.invalidate()


def _plan(factory: DAOFactory, statement: SQLText) -> list[str]:
    values = {NOW: now_ms(), "_limit": PURGE_BATCH}
    with _cursor(factory) as cursor:
        if factory.database == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement.sql}", statement.parameters.values(values))
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute(statement.prepare_sql, ())
        cursor.execute(f"EXPLAIN {statement.execute_sql}", statement.prepared_parameters.values(values))
        return [row[0].strip() for row in cursor.fetchall()]


def _sqlite_opcodes(factory: DAOFactory, statement: SQLText) -> set[str]:
    with _cursor(factory) as cursor:
        cursor.execute(f"EXPLAIN {statement.sql}", statement.parameters.values({NOW: now_ms()}))
        return {row[1] for row in cursor.fetchall()}


def _postgres_reads_expired_rows_through_the_index(plan: list[str], name: str) -> bool:
    """Some scan of ``ix_<name>_expire_at`` bounded by ``expire_at <= now``."""
    return any(
        f" ix_{name}_expire_at" in line and condition == "Index Cond: (expire_at <= $1)"
        for line, condition in zip(plan, plan[1:])
    )


def _statements(factory: DAOFactory, name: str) -> Any:
    return factory._repositories[name]._sql  # the generic repository, under any DAO wrapping it


@pytest.mark.parametrize("name", ENTITIES)
def test_an_unfiltered_count_reads_only_expired_rows_through_the_index(factory: DAOFactory, name: str) -> None:
    count = _statements(factory, name).count_sql(())
    plan = _plan(factory, count)
    if factory.database == "sqlite":
        assert f"SEARCH {name} USING COVERING INDEX ix_{name}_expire_at (expire_at<?)" in plan
        assert "Count" in _sqlite_opcodes(factory, count)  # SQLite's count of a whole table, without a scan
    else:
        assert _postgres_reads_expired_rows_through_the_index(plan, name)


@pytest.mark.parametrize("name", ENTITIES)
def test_a_purge_finds_expired_rows_through_the_index_in_its_order(factory: DAOFactory, name: str) -> None:
    plan = _plan(factory, _statements(factory, name).expired_rows_sql)
    if factory.database == "sqlite":
        assert plan == [f"SEARCH {name} USING INDEX ix_{name}_expire_at (expire_at<?)"]
    else:
        assert [line.split("  (cost")[0] for line in plan] == [
            "Limit",
            f"->  Index Scan using ix_{name}_expire_at on {name}",
            "Index Cond: (expire_at <= $1)",
        ]
