"""What every contender is asked to do: the operations, their arguments, the rows.

Rows are ``consumers`` as kong_orm stores them: ``id`` a UUID, ``created_at``
milliseconds, unique ``custom_id`` and ``username``.
"""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
COLUMNS = ("id", "created_at", "custom_id", "username")

OPS = ("insert", "find", "find_all", "find_page", "count", "update", "delete", "insert_many", "stream")
"""In the order they run within a round: update and delete work on the rows insert made."""
PER_ROW_OPS = ("insert_many", "stream")
"""Ops whose time is reported per row rather than per call."""
WALK_STEP = 10_000
"""Rows per page when walking (untimed) to a position deep in the table."""


def new_row() -> Row:
    key = uuid.uuid4()
    return {
        "id": key,
        "created_at": time.time_ns() // 1_000_000,
        "custom_id": f"cid-{key.hex}",
        "username": f"user-{key.hex}",
    }


def steps(rows: int, step: int = WALK_STEP) -> list[int]:
    """Page sizes that walk exactly ``rows`` rows."""
    return [step] * (rows // step) + ([rows % step] if rows % step else [])


@dataclass
class Call:
    """One timed call: the arguments, and how many rows it stands for."""

    args: tuple[Any, ...]
    weight: int | None = 1
    """``None``: the call returns how many rows it went through."""


@dataclass
class Sizes:
    calls: int
    page_size: int
    batch: int


@dataclass
class Population:
    """The rows loaded before measuring (``ids`` and ``usernames`` to look up)."""

    ids: list[uuid.UUID] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)

    def add(self, rows: list[Row]) -> None:
        self.ids += [row["id"] for row in rows]
        self.usernames += [row["username"] for row in rows]

    def __len__(self) -> int:
        return len(self.ids)


class Plan:
    """The calls of one round for one contender.

    Lookups pick from the loaded rows with a seeded generator, so every
    contender of a round looks up the same rows; writes use rows of their own.
    """

    def __init__(self, sizes: Sizes, population: Population, seed: int) -> None:
        self.sizes = sizes
        self.population = population
        self.seed = seed
        self.inserted: list[uuid.UUID] = []
        self.bulk: list[uuid.UUID] = []

    def calls(self, op: str, threads: int) -> list[Call]:
        n, pick = self.sizes.calls, random.Random(f"{self.seed}-{op}")
        if op == "insert":
            rows = [new_row() for _ in range(n)]
            self.inserted = [row["id"] for row in rows]
            return [Call((row,)) for row in rows]
        if op == "find":
            return [Call((pick.choice(self.population.ids),)) for _ in range(n)]
        if op == "find_all":
            return [Call((pick.choice(self.population.usernames),)) for _ in range(n)]
        if op == "find_page":
            return [Call((self.sizes.page_size,)) for _ in range(n)]
        if op == "count":
            return [Call(()) for _ in range(max(1, n // 10))]
        if op == "update":
            return [Call((key, f"cid-new-{uuid.uuid4().hex}")) for key in self.inserted]
        if op == "delete":
            return [Call((key,)) for key in self.inserted]
        if op == "insert_many":
            rows = [new_row() for _ in range(n)]
            self.bulk = [row["id"] for row in rows]
            batch = self.sizes.batch
            return [Call((rows[i:i + batch],), len(rows[i:i + batch])) for i in range(0, n, batch)]
        if op == "stream":
            return [Call((), None) for _ in range(threads)]
        raise ValueError(op)
