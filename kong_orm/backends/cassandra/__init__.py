"""Apache Cassandra through cassandra-driver: prepared statements on the hot
paths, cqlengine models derived from the entities, versioned CQL migrations.

Example::

    factory = create_factory("cassandra://127.0.0.1:9042/kong?consistency=QUORUM")
    factory.run_migrations()
"""
from __future__ import annotations

from typing import Any

from kong_orm.backend import Backend, StatementCounter
from kong_orm.backends.cassandra.connection import Connection
from kong_orm.backends.cassandra.errors import translate
from kong_orm.backends.cassandra.keyspace import Keyspace
from kong_orm.backends.cassandra.migrations import runner
from kong_orm.backends.cassandra.models import claim_tables, declare, declare_claim
from kong_orm.backends.cassandra.repository import CassandraRepository
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.backends.cassandra.statements import Statements
from kong_orm.config import Config
from kong_orm.events import Events
from kong_orm.registry import Catalog
from kong_orm.repository import Repository
from kong_orm.schema.entity import Entity

__all__ = ["CassandraBackend", "CassandraRepository", "CassandraSettings"]


class CassandraBackend(Backend):
    """The ``cassandra`` database: one cluster session and one named cqlengine
    connection per factory, opened on first use.

    ``models`` holds a cqlengine model per entity (and ``claim_models`` one
    per claim table), bound to this factory's keyspace and connection.
    """

    name = "cassandra"

    def __init__(self, config: Config, catalog: Catalog) -> None:
        super().__init__(config, catalog)
        self.settings = CassandraSettings.from_config(config)
        self.connection = Connection(self.settings)
        self.statements = Statements(self.connection)
        self.keyspace = Keyspace(self.settings.keyspace, catalog, self.statements)
        bound: dict[str, Any] = {"keyspace": self.settings.keyspace, "connection": self.connection.cqlengine_name}
        self.models = {entity.name: declare(entity, **bound) for entity in catalog}
        self.claim_models = {
            claim.name: declare_claim(claim, **bound) for entity in catalog for claim in claim_tables(entity)
        }

    def cqlengine_connection(self) -> str:
        """Connect if needed; return the name of this factory's cqlengine connection.

        Example: ``backend.models["apis"].objects.using(connection=backend.cqlengine_connection()).all()``
        """
        try:
            self.connection.session()
        except Exception as exc:
            raise translate(exc) from exc
        return self.connection.cqlengine_name

    def repository(self, entity: Entity, events: Events) -> Repository:
        return CassandraRepository(entity, events, self.catalog, self.keyspace)

    def run_migrations(self) -> dict[str, list[str]]:
        return runner.upgrade(self.keyspace, self.settings)

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
