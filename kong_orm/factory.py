"""The DAO factory: one backend, one DAO per entity."""
from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from kong_orm.config import Config, as_config
from kong_orm.errors import UnknownEntityError
from kong_orm.events import Events
from kong_orm.paging import Offsets
from kong_orm.plugins.registry import Plugin
from kong_orm.purge import DEFAULT_INTERVAL, Purger
from kong_orm.registry import Catalog, open_backend
from kong_orm.repository import Repository
from kong_orm.schema.entity import Entity

log = logging.getLogger(__name__)


class DAOFactory:
    """One DAO per entity over the store the config names.

    :param config: where the data lives.
    :param plugins: the plugins to serve (names or :class:`~kong_orm.plugins.Plugin`
        objects); by default the config's ``plugins`` option, else every known
        plugin (built in, installed, registered).
    :param entities: the service's own entities, served beside the core and
        plugin ones (their tables come from their definitions).
    :raises ConfigError: an unknown plugin, or foreign keys that cannot work
        (checked before the store is opened). A failure once the store is
        open closes it again.

    Example::

        factory = create_factory("sqlite://")
        factory.run_migrations()
        api = factory.apis.insert({"request_host": "example.com", "upstream_url": "http://up"})
    """

    def __init__(
        self,
        config: Config,
        *,
        plugins: Iterable[str | Plugin] | None = None,
        entities: Iterable[Entity] = (),
    ) -> None:
        self.config = config
        offsets = Offsets(config.options.get("offset_secret"))
        self.events = Events()
        self.catalog = Catalog.serving(config.options.get("plugins") if plugins is None else plugins, entities)
        self.backend = open_backend(config, self.catalog)
        try:
            self._repositories, self._daos = self._daos_of(offsets)
        except BaseException:
            self.backend.close()
            raise
        interval = float(config.options.get("purge_interval", DEFAULT_INTERVAL))
        self._purger = Purger(self.purge_expired, interval) if interval > 0 else None
        if self._purger is not None:
            self._purger.start()
            weakref.finalize(self, self._purger.stop, False)  # dropped without close()
        log.debug("factory ready on %s with %s", self.backend.name, ", ".join(self._daos))

    def _daos_of(self, offsets: Offsets) -> tuple[dict[str, Repository], dict[str, Any]]:
        """The backend's repository of each entity, and its DAO (a plugin's own class where it has one)."""
        custom = {name: dao for plugin in self.catalog.plugins for name, dao in plugin.daos.items()}
        repositories: dict[str, Repository] = {}
        daos: dict[str, Any] = {}
        for entity in self.catalog:
            repository = self.backend.repository(entity, self.events)
            repository.offsets = offsets
            repositories[entity.name] = repository
            daos[entity.name] = custom[entity.name](repository) if entity.name in custom else repository
        return repositories, daos

    @property
    def apis(self) -> Repository:
        return self._repositories["apis"]

    @property
    def consumers(self) -> Repository:
        return self._repositories["consumers"]

    @property
    def plugins(self) -> Repository:
        return self._repositories["plugins"]

    @property
    def nodes(self) -> Repository:
        return self._repositories["nodes"]

    @property
    def database(self) -> str:
        """The backend's name: ``postgres``, ``sqlite`` or ``cassandra``."""
        return self.backend.name

    def dao(self, name: str) -> Any:
        """The DAO of the entity called ``name`` (a plugin's own DAO class where it has one).

        :raises UnknownEntityError: no such entity is served (a ``KeyError`` too).
        """
        try:
            return self._daos[name]
        except KeyError:
            raise UnknownEntityError(f"no entity named {name!r}; known: {', '.join(self._daos)}") from None

    def __getattr__(self, name: str) -> Any:
        """``factory.keyauth_credentials``: the DAO of any served entity, as an attribute."""
        daos = self.__dict__.get("_daos", {})
        if name in daos:
            return daos[name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute or entity {name!r}")

    def run_migrations(self) -> dict[str, list[str]]:
        """Create or evolve the schema; return the migrations applied now, per component."""
        return self.backend.run_migrations()

    def pending_migrations(self) -> dict[str, list[str]]:
        """Migrations of the served components not applied yet, per component; ``{}`` when current."""
        return self.backend.pending_migrations()

    def current_migrations(self) -> dict[str, list[str]]:
        """Applied migrations per component (``"core"``, plugins), in order; ``{}`` when none."""
        return self.backend.current_migrations()

    def drop_schema(self) -> None:
        """Drop every table and the record of migrations."""
        self.backend.drop_schema()

    def truncate_tables(self) -> None:
        """Delete every row of every entity; the schema stays."""
        self.backend.truncate_tables()

    def purge_expired(self) -> int:
        """Delete the rows whose TTL has passed, and every row referencing them,
        publishing ``ENTITY_DELETED`` for each (in this thread); return how many went.

        A background thread does this every ``purge_interval`` seconds (option,
        default 60, at most 3600; 0 turns it off). Reads hide expired rows either way.
        """
        return self.events.publish_deletions(self.backend.purge_expired())

    def close(self) -> None:
        """Stop the purge thread and release the store's connections."""
        if self._purger is not None:
            self._purger.stop()
        self.backend.close()

    def __enter__(self) -> DAOFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_factory(
    config: str | Mapping[str, Any] | Config | None = None,
    *,
    plugins: Iterable[str | Plugin] | None = None,
    entities: Iterable[Entity] = (),
) -> DAOFactory:
    """Build a factory from a URL, a dict, a :class:`Config`, or the environment.

    ``None`` reads ``$KONG_ORM_DATABASE_URL``, falling back to the embedded
    SQLite file ``kong_orm.db``. ``plugins`` and ``entities`` are as for
    :class:`DAOFactory`.

    Example: ``create_factory("sqlite://", plugins=["key-auth", "acl"])``
    """
    return DAOFactory(as_config(config), plugins=plugins, entities=entities)
