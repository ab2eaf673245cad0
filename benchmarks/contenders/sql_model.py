"""A plain declarative model of the ``consumers`` table kong_orm migrates,
for the SQLAlchemy baselines (only the columns they use)."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, Engine, Table, Text, Uuid, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Consumer(Base):
    __tablename__ = "consumers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(as_uuid=True), primary_key=True)
    created_at: Mapped[int] = mapped_column(BigInteger())
    custom_id: Mapped[str | None] = mapped_column(Text(), unique=True)
    username: Mapped[str | None] = mapped_column(Text(), unique=True)


TABLE: Table = Consumer.__table__  # type: ignore[assignment]
COLUMNS = [TABLE.c.id, TABLE.c.created_at, TABLE.c.custom_id, TABLE.c.username]


def engine_for(url: str, pool_size: int) -> Engine:
    """A plain engine; on SQLite, foreign keys on as kong_orm's schema expects."""
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=pool_size, connect_args={"check_same_thread": False, "timeout": 10})

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        return engine
    return create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), pool_size=pool_size)
