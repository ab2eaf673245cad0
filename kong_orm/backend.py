"""What a store must provide to serve a factory."""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kong_orm.events import Events
from kong_orm.repository import Repository, Row
from kong_orm.schema.entity import Entity

if TYPE_CHECKING:
    from kong_orm.config import Config
    from kong_orm.registry import Catalog


class StatementCounter:
    """How many statements a block sent to the store.

    Only the thread that opened the block counts: background work (such as
    purging expired rows) and other threads do not change a block's count.
    """

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []
        self._thread = threading.get_ident()

    def record(self, statement: str) -> None:
        if threading.get_ident() == self._thread:
            self.count += 1
            self.statements.append(statement)


class Backend(ABC):
    """One store: opens connections, builds repositories, runs migrations.

    :param config: the factory's configuration.
    :param catalog: the entities to serve.
    """

    name: str = "?"

    def __init__(self, config: Config, catalog: Catalog) -> None:
        self.config = config
        self.catalog = catalog

    @abstractmethod
    def repository(self, entity: Entity, events: Events) -> Repository:
        """The DAO of ``entity`` on this store."""

    @abstractmethod
    def run_migrations(self) -> dict[str, list[str]]:
        """Apply pending migrations; return those applied now, per component."""

    @abstractmethod
    def current_migrations(self) -> dict[str, list[str]]:
        """Applied migrations per component, in order; ``{}`` when none."""

    @abstractmethod
    def pending_migrations(self) -> dict[str, list[str]]:
        """Migrations of the served components not applied yet, per component, in order."""

    @abstractmethod
    def drop_schema(self) -> None:
        """Drop every table (and the migrations record)."""

    @abstractmethod
    def truncate_tables(self) -> None:
        """Delete every row of every entity."""

    @abstractmethod
    def purge_expired(self) -> Iterator[list[tuple[str, Row]]]:
        """Delete every row whose TTL has passed, with the rows referencing it.

        Yields, as soon as each expired row and its descendants are deleted,
        ``(entity, row)`` per row (each as last stored), so that a purge failing
        later still reports what it deleted; a row that other purgers or
        deleters removed first is not included.
        """

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    @abstractmethod
    def _listen_statements(self, counter: StatementCounter) -> None:
        """Start recording statements into ``counter``."""

    @abstractmethod
    def _unlisten_statements(self, counter: StatementCounter) -> None:
        """Stop recording into ``counter``."""

    @contextmanager
    def count_statements(self) -> Iterator[StatementCounter]:
        """Count the statements sent to the store inside the block."""
        counter = StatementCounter()
        self._listen_statements(counter)
        try:
            yield counter
        finally:
            self._unlisten_statements(counter)
