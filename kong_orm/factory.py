"""The DAO factory: one backend, one DAO per entity."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from kong_orm.config import Config, as_config
from kong_orm.events import Events
from kong_orm.paging import Offsets
from kong_orm.registry import Catalog, open_backend
from kong_orm.repository import Repository
from kong_orm.schema.entity import Entity

log = logging.getLogger(__name__)


class DAOFactory:
    """One DAO per entity over the store the config names.

    :param config: where the data lives.
    :param entities: the entities to serve (the core ones by default).

    Example::

        factory = create_factory("sqlite://")
        factory.run_migrations()
        api = factory.apis.insert({"request_host": "example.com", "upstream_url": "http://up"})
    """

    def __init__(self, config: Config, *, entities: Iterable[Entity] | None = None) -> None:
        self.config = config
        offsets = Offsets(config.options.get("offset_secret"))
        self.events = Events()
        self.catalog = Catalog() if entities is None else Catalog(entities)
        self.backend = open_backend(config, self.catalog)
        self._daos = {entity.name: self.backend.repository(entity, self.events) for entity in self.catalog}
        for dao in self._daos.values():
            dao.offsets = offsets
        log.debug("factory ready on %s with %s", self.backend.name, ", ".join(self._daos))

    @property
    def apis(self) -> Repository:
        return self._daos["apis"]

    @property
    def consumers(self) -> Repository:
        return self._daos["consumers"]

    @property
    def plugins(self) -> Repository:
        return self._daos["plugins"]

    @property
    def nodes(self) -> Repository:
        return self._daos["nodes"]

    @property
    def database(self) -> str:
        """The backend's name: ``postgres``, ``sqlite`` or ``cassandra``."""
        return self.backend.name

    def dao(self, name: str) -> Repository:
        """The DAO of the entity called ``name``.

        :raises KeyError: no such entity is registered.
        """
        try:
            return self._daos[name]
        except KeyError:
            raise KeyError(f"no entity named {name!r}; known: {', '.join(self._daos)}") from None

    def run_migrations(self) -> dict[str, list[str]]:
        """Create or evolve the schema; return the migrations applied now, per component."""
        return self.backend.run_migrations()

    def current_migrations(self) -> dict[str, list[str]]:
        """Applied migrations per component (``"core"``, plugins), in order; ``{}`` when none."""
        return self.backend.current_migrations()

    def drop_schema(self) -> None:
        """Drop every table and the record of migrations."""
        self.backend.drop_schema()

    def truncate_tables(self) -> None:
        """Delete every row of every entity; the schema stays."""
        self.backend.truncate_tables()

    def close(self) -> None:
        """Release the store's connections."""
        self.backend.close()

    def __enter__(self) -> DAOFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_factory(config: str | Mapping[str, Any] | Config | None = None) -> DAOFactory:
    """Build a factory from a URL, a dict, a :class:`Config`, or the environment.

    ``None`` reads ``$KONG_ORM_DATABASE_URL``, falling back to the embedded
    SQLite file ``kong_orm.db``.
    """
    return DAOFactory(as_config(config))
