"""SQLAlchemy Core: ``engine.connect()`` / ``engine.begin()`` and prebuilt statements."""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from benchmarks.contenders import Contender
from benchmarks.contenders.sql_model import COLUMNS, TABLE, engine_for
from benchmarks.workload import Row

_FIND = select(*COLUMNS).where(TABLE.c.id == bindparam("key"))
_FIND_ALL = select(*COLUMNS).where(TABLE.c.username == bindparam("username")).order_by(TABLE.c.id)
_PAGE = select(*COLUMNS).order_by(TABLE.c.id).limit(bindparam("size"))
_COUNT = select(func.count()).select_from(TABLE)
_INSERT = insert(TABLE).returning(*COLUMNS)
_INSERT_MANY = insert(TABLE)
_UPDATE = (
    update(TABLE).where(TABLE.c.id == bindparam("key")).values(custom_id=bindparam("cid")).returning(*COLUMNS)
)
_DELETE = delete(TABLE).where(TABLE.c.id == bindparam("key"))
_ALL = select(*COLUMNS)


class Core(Contender):
    name = "core"

    def __init__(self, url: str, pool_size: int) -> None:
        self.engine = engine_for(url, pool_size)

    def insert(self, row: Row) -> Any:
        with self.engine.begin() as conn:
            return conn.execute(_INSERT, row).one()

    def find(self, key: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(_FIND, {"key": key}).first()

    def find_all(self, username: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(_FIND_ALL, {"username": username}).all()

    def find_page(self, size: int) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(_PAGE, {"size": size}).all()

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(_COUNT).scalar_one())

    def update(self, key: Any, custom_id: str) -> Any:
        with self.engine.begin() as conn:
            return conn.execute(_UPDATE, {"key": key, "cid": custom_id}).first()

    def delete(self, key: Any) -> Any:
        with self.engine.begin() as conn:
            return conn.execute(_DELETE, {"key": key}).rowcount

    def insert_many(self, rows: list[Row]) -> Any:
        with self.engine.begin() as conn:
            conn.execute(_INSERT_MANY, rows)

    def stream(self) -> int:
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=1000).execute(_ALL)
            return sum(1 for _ in result)

    def close(self) -> None:
        self.engine.dispose()
