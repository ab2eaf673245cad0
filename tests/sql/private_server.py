"""A PostgreSQL server of a test module's own, for tests that stop, freeze or
reconfigure it: the launcher of ``tests.servers`` on a free port and a folder
of its own, created with ``initdb`` and removed at the end.
"""
from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from kong_orm import create_factory
from tests.servers import postgres


@dataclass
class PrivateServer:
    """A PostgreSQL of our own: the launcher of ``tests.servers`` on another port and folder."""

    port: int
    cache: Path

    @contextmanager
    def _selected(self) -> Iterator[None]:
        # The launcher reads its port and folder from the environment at each call;
        # they are set only for the call, so the session's own server stays the default.
        saved = {name: os.environ.get(name) for name in ("KONG_ORM_PG_PORT", "KONG_ORM_CACHE_DIR")}
        os.environ.update(KONG_ORM_PG_PORT=str(self.port), KONG_ORM_CACHE_DIR=str(self.cache))
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def start(self) -> None:
        with self._selected():
            postgres.start()

    def stop(self) -> None:
        with self._selected():
            postgres.stop()

    def url(self, **options: object) -> str:
        with self._selected():
            url = postgres.url()
        return url + "?" + "&".join(f"{key}={value}" for key, value in options.items())

    def processes(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, ...)."""
        with self._selected():
            data = postgres._data_dir(postgres._state_dir())
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        return [postmaster, *_children(postmaster)]

    def create_role(self, role: str, password: str) -> None:
        """A login role and a database of the same name that it owns."""
        admin = psycopg2.connect(self.url(connect_timeout=5))
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", (password,))
                cursor.execute(f"CREATE DATABASE {role} OWNER {role}")
        finally:
            admin.close()

    def remove(self) -> None:
        with self._selected():
            state = postgres._state_dir()
        shutil.rmtree(state, ignore_errors=True)


def _children(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name, in parentheses, may hold spaces: split after it
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_private_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServer]:
    """A migrated private server, for a fixture to yield from; stopped and removed after."""
    private = PrivateServer(_free_port(), tmp_path_factory.mktemp("private-postgres"))
    private.start()
    try:
        with create_factory(private.url(purge_interval=0)) as factory:
            factory.run_migrations()
        yield private
    finally:
        private.stop()
        private.remove()
