"""kong_orm: Kong's DAO factory for Python, over PostgreSQL, SQLite and Cassandra."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kong_orm import singletons
from kong_orm.config import Config
from kong_orm.errors import (
    ConfigError,
    DAOError,
    DatabaseError,
    ForeignKeyError,
    SchemaError,
    UniqueError,
    UnknownEntityError,
)
from kong_orm.events import EventType
from kong_orm.factory import DAOFactory, create_factory
from kong_orm.repository import Repository

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Config",
    "ConfigError",
    "DAOError",
    "DAOFactory",
    "DatabaseError",
    "EventType",
    "ForeignKeyError",
    "Repository",
    "SchemaError",
    "UniqueError",
    "UnknownEntityError",
    "create_factory",
    "init",
]


def init(config: str | Mapping[str, Any] | Config | None = None) -> DAOFactory:
    """Create a factory and make it ``kong_orm.singletons.dao``."""
    factory = create_factory(config)
    singletons.dao = factory
    return factory
