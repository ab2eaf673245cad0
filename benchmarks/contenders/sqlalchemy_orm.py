"""The SQLAlchemy ORM: a ``Session`` per unit of work, the usual idioms
(``get``, attribute change + commit, ``delete`` + commit)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from benchmarks.contenders import Contender
from benchmarks.contenders.sql_model import Consumer, engine_for
from benchmarks.workload import Row


class Orm(Contender):
    name = "orm"

    def __init__(self, url: str, pool_size: int) -> None:
        self.engine = engine_for(url, pool_size)
        # nothing reads an object after its commit, so no expiry refresh
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def insert(self, row: Row) -> Any:
        with self.sessions() as session:
            consumer = Consumer(**row)
            session.add(consumer)
            session.commit()
            return consumer

    def find(self, key: Any) -> Any:
        with self.sessions() as session:
            return session.get(Consumer, key)

    def find_all(self, username: str) -> Any:
        with self.sessions() as session:
            return session.scalars(select(Consumer).where(Consumer.username == username).order_by(Consumer.id)).all()

    def find_page(self, size: int) -> Any:
        with self.sessions() as session:
            return session.scalars(select(Consumer).order_by(Consumer.id).limit(size)).all()

    def count(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(Consumer)) or 0)

    def update(self, key: Any, custom_id: str) -> Any:
        with self.sessions() as session:
            consumer = session.get(Consumer, key)
            if consumer is not None:
                consumer.custom_id = custom_id
                session.commit()
            return consumer

    def delete(self, key: Any) -> Any:
        with self.sessions() as session:
            consumer = session.get(Consumer, key)
            if consumer is not None:
                session.delete(consumer)
                session.commit()
            return consumer

    def insert_many(self, rows: list[Row]) -> Any:
        with self.sessions() as session:
            session.add_all([Consumer(**row) for row in rows])
            session.commit()

    def stream(self) -> int:
        with self.sessions() as session:
            return sum(1 for _ in session.scalars(select(Consumer).execution_options(yield_per=1000)))

    def close(self) -> None:
        self.engine.dispose()
