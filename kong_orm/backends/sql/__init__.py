"""PostgreSQL and SQLite through SQLAlchemy: one set of models, Alembic migrations."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, event

from kong_orm.backend import Backend, StatementCounter
from kong_orm.backends.sql import migrate
from kong_orm.backends.sql.engine import Store
from kong_orm.backends.sql.models import Models
from kong_orm.backends.sql.repository import SQLRepository
from kong_orm.config import Config
from kong_orm.events import Events
from kong_orm.registry import Catalog
from kong_orm.repository import Repository, Row
from kong_orm.schema.entity import Entity

__all__ = ["SQLBackend", "SQLRepository"]

_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA)\b", re.IGNORECASE)
"""Statements not counted: a count is of the work sent, not of how transactions are framed."""


class SQLBackend(Backend):
    """The ``postgres`` and ``sqlite`` databases.

    PostgreSQL option
    ``prepared_statements`` (default true): prepare each statement once per
    connection; turn it off behind a pooler that shares server sessions
    between clients (PgBouncer's transaction pooling).
    """

    def __init__(self, config: Config, catalog: Catalog) -> None:
        super().__init__(config, catalog)
        self.store = Store(config)
        self.models = Models(catalog)
        self.name = self.store.backend
        self._repositories: dict[str, SQLRepository] = {}
        self._listeners: dict[int, Any] = {}

    def repository(self, entity: Entity, events: Events) -> Repository:
        repository = SQLRepository(entity, events, self.catalog, self.store, self.models)
        self._repositories[entity.name] = repository
        return repository

    def run_migrations(self) -> dict[str, list[str]]:
        try:
            return migrate.upgrade(self.store, self.catalog, self.models)
        finally:
            self.store.schema_changed()

    def pending_migrations(self) -> dict[str, list[str]]:
        return migrate.pending(self.store, self.catalog)

    def current_migrations(self) -> dict[str, list[str]]:
        return migrate.current(self.store, self.catalog)

    def drop_schema(self) -> None:
        try:
            migrate.drop(self.store, self.catalog)
        finally:
            self.store.schema_changed()

    def truncate_tables(self) -> None:
        tables = self.models.tables(reversed(self.catalog.in_dependency_order()))

        def work(conn: Connection) -> None:
            for table in tables:
                conn.execute(table.delete())

        self.store.write(work)

    def purge_expired(self) -> Iterator[list[tuple[str, Row]]]:
        """Parents first: a child purged along with its parent is reported once."""
        for entity in self.catalog.in_dependency_order():
            repository = self._repositories.get(entity.name)
            if repository is not None:
                yield from repository.delete_expired()

    def close(self) -> None:
        self.store.dispose()

    def _listen_statements(self, counter: StatementCounter) -> None:
        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not _TRANSACTION_CONTROL.match(statement):
                counter.record(statement)

        def record_message(statements: list[str]) -> None:
            for statement in statements:
                record(None, None, statement)

        self._listeners[id(counter)] = (record, record_message)
        self.store.observers += (record_message,)
        for engine in self.store.engines:
            event.listen(engine, "before_cursor_execute", record)

    def _unlisten_statements(self, counter: StatementCounter) -> None:
        record, record_message = self._listeners.pop(id(counter))
        self.store.observers = tuple(o for o in self.store.observers if o is not record_message)
        for engine in self.store.engines:
            event.remove(engine, "before_cursor_execute", record)
