"""Apache Cassandra through cassandra-driver: prepared statements on the hot
paths, cqlengine models derived from the entities, versioned CQL migrations.

Example::

    factory = create_factory("cassandra://127.0.0.1:9042/kong?consistency=QUORUM")
    factory.run_migrations()
"""
from __future__ import annotations

from collections.abc import Iterator

from kong_orm.backend import Backend, StatementCounter
from kong_orm.backends.cassandra.connection import Connection
from kong_orm.backends.cassandra.errors import translate
from kong_orm.backends.cassandra.expiries import DUE_BATCH
from kong_orm.backends.cassandra.keyspace import Keyspace
from kong_orm.backends.cassandra.migrations import runner
from kong_orm.backends.cassandra.repository import CassandraRepository
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.backends.cassandra.statements import Statements
from kong_orm.config import Config
from kong_orm.events import Events
from kong_orm.registry import Catalog
from kong_orm.repository import Repository, Row
from kong_orm.schema.entity import Entity

__all__ = ["CassandraBackend", "CassandraRepository", "CassandraSettings"]


class CassandraBackend(Backend):
    """The ``cassandra`` database: one named cqlengine connection per factory,
    registered when the factory is made and connected on first use.

    ``models`` holds a cqlengine model per entity (and ``claim_models`` one
    per claim table), bound to this factory's keyspace and connection: they
    describe the tables, and the statements are built from them. They can be
    queried directly, e.g. ``backend.models["apis"].objects(name="x").get()``.
    """

    name = "cassandra"

    def __init__(self, config: Config, catalog: Catalog) -> None:
        super().__init__(config, catalog)
        self.settings = CassandraSettings.from_config(config)
        try:
            self.connection = Connection(self.settings)
        except Exception as exc:  # a second session on the caller's cluster could not connect
            raise translate(exc) from exc
        self.statements = Statements(self.connection)
        self.keyspace = Keyspace(self.settings.keyspace, catalog, self.statements, self.connection.cqlengine_name)
        self.models = self.keyspace.models
        self.claim_models = self.keyspace.claim_models
        self._repositories: dict[str, CassandraRepository] = {}

    def repository(self, entity: Entity, events: Events) -> Repository:
        repository = CassandraRepository(entity, events, self.catalog, self.keyspace)
        self._repositories[entity.name] = repository
        return repository

    def purge_expired(self) -> Iterator[list[tuple[str, Row]]]:
        """The rows Cassandra let expire, from the ``expiries`` table, parents first; each
        takes along the rows still referencing it. Claims that writes of unknown outcome
        left are settled first (see :meth:`Claims.settle`), then the cascades that
        failures cut short are finished (see :mod:`cascades`)."""
        for entity in self.catalog:
            self.keyspace.claims(entity).settle()
        for pending in self.keyspace.cascades.pending():
            finishing = self._repositories.get(pending.entity)
            deleted = [] if finishing is None else finishing.finish_cascade(pending)
            if deleted:
                yield deleted
        while True:
            due = self.keyspace.expiries.due()
            settled = 0
            for entry in due:
                repository = self._repositories.get(entry.entity)
                if repository is not None:
                    done, rows = repository.purge_expired_row(entry)
                    settled += done
                    if rows:
                        yield rows
            if len(due) < DUE_BATCH or not settled:
                return

    def run_migrations(self) -> dict[str, list[str]]:
        return runner.upgrade(self.keyspace, self.settings)

    def pending_migrations(self) -> dict[str, list[str]]:
        return runner.pending(self.keyspace)

    def current_migrations(self) -> dict[str, list[str]]:
        return runner.current(self.keyspace)

    def drop_schema(self) -> None:
        runner.drop(self.keyspace)

    def truncate_tables(self) -> None:
        runner.truncate(self.keyspace)

    def close(self) -> None:
        self.connection.close()
        self.statements.forget_prepared()

    def _listen_statements(self, counter: StatementCounter) -> None:
        self.statements.listen(counter)

    def _unlisten_statements(self, counter: StatementCounter) -> None:
        self.statements.unlisten(counter)
