"""The SQL-only tests run on the sqlite and postgres members of the backend list."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from kong_orm import DAOFactory
from tests.conftest import BACKENDS, open_migrated

SQL_BACKENDS = [backend for backend in BACKENDS if backend in ("sqlite", "postgres")] or ["sqlite"]


@pytest.fixture(scope="session", params=SQL_BACKENDS)
def migrated_factory(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DAOFactory]:
    yield from open_migrated(request.param, tmp_path_factory)
