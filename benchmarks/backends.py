"""What each backend measures: kong_orm and its baselines, on one server."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kong_orm
from benchmarks.contenders import TIMEOUT, Admin, Contender
from benchmarks.contenders.kong import KongOrm
from kong_orm import DAOFactory

KONG = "kong_orm"


@dataclass
class Setup:
    """Everything a backend's run needs; ``close()`` releases it."""

    backend: str
    url: str
    factory: DAOFactory
    contenders: list[Contender]
    admin: Admin
    raw: str
    """The name of the raw driver's column: the first ratio."""
    server_port: int | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for contender in self.contenders:
            contender.close()
        self.admin.close()
        self.factory.close()
        for cleanup in self.cleanups:
            cleanup()


def open_factory(url: str, pool_size: int) -> DAOFactory:
    """kong_orm on ``url``, migrated and empty."""
    options: dict[str, Any] = {"pool_size": pool_size} if url.startswith("postgres") else {}
    if "timeout=" not in url:
        options["timeout"] = TIMEOUT
    factory = kong_orm.create_factory(kong_orm.Config.from_url(url, **options))
    factory.run_migrations()
    factory.truncate_tables()
    return factory


def setup_sqlite(url: str | None, pool_size: int) -> Setup:
    from benchmarks.contenders.dbapi import SqlAdmin, Sqlite3, sqlite_path
    from benchmarks.contenders.sqlalchemy_core import Core
    from benchmarks.contenders.sqlalchemy_orm import Orm

    cleanups = []
    if url is None:
        scratch = tempfile.TemporaryDirectory(prefix="kong-orm-bench-")
        cleanups.append(scratch.cleanup)
        url = f"sqlite:///{Path(scratch.name) / 'bench.db'}"
    factory = open_factory(url, pool_size)
    path = sqlite_path(url)
    contenders = [KongOrm(factory), Sqlite3(path), Core(url, pool_size), Orm(url, pool_size)]
    return Setup("sqlite", url, factory, contenders, SqlAdmin(Sqlite3(path)), "sqlite3", cleanups=cleanups)


def setup_postgres(url: str, pool_size: int) -> Setup:
    from benchmarks.contenders.dbapi import Psycopg2, SqlAdmin
    from benchmarks.contenders.sqlalchemy_core import Core
    from benchmarks.contenders.sqlalchemy_orm import Orm

    factory = open_factory(url, pool_size)
    contenders = [KongOrm(factory), Psycopg2(url), Core(url, pool_size), Orm(url, pool_size)]
    return Setup("postgres", url, factory, contenders, SqlAdmin(Psycopg2(url)), "psycopg2", _local_port(url, 5432))


def setup_cassandra(url: str, pool_size: int) -> Setup:
    from benchmarks.contenders.cassandra import CassandraAdmin, Cqlengine, CqlengineClaims, Driver, DriverLWT

    factory = open_factory(url, pool_size)
    children = [(entity.name, f.name) for entity in factory.catalog for f in entity.foreign_fields
                if f.foreign and f.foreign.split(".")[0] == "consumers"]
    contenders = [KongOrm(factory), Driver(url), DriverLWT(url), Cqlengine(url), CqlengineClaims(url, children)]
    return Setup("cassandra", url, factory, contenders, CassandraAdmin(url), "driver", _local_port(url, 9042))


def _local_port(url: str, default: int) -> int | None:
    """The server's port when it runs on this machine (only then can it be pinned)."""
    parts = urlsplit(url)
    hosts = (parts.hostname or "").split(",")
    if len(hosts) != 1 or hosts[0] not in ("127.0.0.1", "localhost", "::1"):
        return None
    return parts.port or default


def open_backend(backend: str, url: str | None, pool_size: int) -> Setup:
    if backend == "sqlite":
        return setup_sqlite(url, pool_size)
    if url is None:
        raise ValueError(f"{backend} needs a URL")
    return {"postgres": setup_postgres, "cassandra": setup_cassandra}[backend](url, pool_size)
