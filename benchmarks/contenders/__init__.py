"""The libraries measured. Each contender implements the ops it offers
(see :data:`benchmarks.workload.OPS`) as methods; an op it lacks is "n/a".

Every method must be safe to call from several threads at once.
"""
from __future__ import annotations

from typing import Any

from benchmarks.workload import Row

TIMEOUT = 120
"""Seconds before a request gives up, for kong_orm and the baselines alike
(a COUNT over a million Cassandra rows on a busy machine takes tens of seconds)."""


class Contender:
    """A library doing the benchmark's work. ``name`` heads its column."""

    name = "?"

    def supports(self, op: str) -> bool:
        return callable(getattr(self, op, None))

    def close(self) -> None:
        """Release connections."""


class Admin:
    """Untimed chores on a backend: load rows, delete rows, empty the table."""

    def load(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def delete_ids(self, ids: list[Any]) -> None:
        raise NotImplementedError

    def settle(self) -> str:
        """Bring a freshly loaded table to a steady state; say what was done."""
        return "nothing to do"

    def close(self) -> None:
        """Release connections."""
