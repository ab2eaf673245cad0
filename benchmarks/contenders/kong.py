"""kong_orm itself, through its public DAO interface."""
from __future__ import annotations

from typing import Any

from benchmarks.contenders import Contender
from benchmarks.workload import Row, steps
from kong_orm import DAOFactory


class KongOrm(Contender):
    """``factory.consumers``: the verbs Kong's code calls.

    ``insert_many`` and ``stream`` are measured when the DAO offers them
    (a list of rows in; an iterable of every row out).
    """

    name = "kong_orm"

    def __init__(self, factory: DAOFactory) -> None:
        self.dao = factory.consumers
        if callable(getattr(self.dao, "insert_many", None)):
            self.insert_many = self._insert_many
        if callable(getattr(self.dao, "stream", None)):
            self.stream = self._stream

    def insert(self, row: Row) -> Any:
        return self.dao.insert(row)

    def find(self, key: Any) -> Any:
        return self.dao.find({"id": key})

    def find_all(self, username: str) -> Any:
        return self.dao.find_all({"username": username})

    def find_page(self, size: int) -> Any:
        return self.dao.find_page(size=size)

    def count(self) -> int:
        return self.dao.count()

    def update(self, key: Any, custom_id: str) -> Any:
        return self.dao.update({"custom_id": custom_id}, {"id": key})

    def delete(self, key: Any) -> Any:
        return self.dao.delete({"id": key})

    def _insert_many(self, rows: list[Row]) -> Any:
        return self.dao.insert_many(rows)

    def _stream(self, page_size: int = 1000) -> int:
        rows = self.dao.stream(page_size=page_size)
        return sum(1 for _ in rows)

    def position_at(self, rows: int) -> Any:
        """The offset of the page after the first ``rows`` rows (walked, untimed)."""
        offset = None
        for step in steps(rows):
            _, offset = self.dao.find_page(offset=offset, size=step)
        return offset

    def find_page_at(self, offset: str, size: int) -> Any:
        return self.dao.find_page(offset=offset, size=size)

    def count_by(self, username: str) -> int:
        return self.dao.count({"username": username})
