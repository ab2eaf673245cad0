"""Property tests: the same generated input on every configured backend at once.

Hypothesis profiles (``$KONG_ORM_HYPOTHESIS_PROFILE``): ``ci`` (the default) runs a
few examples per test, the same ones on every run, so the suite stays short on
Cassandra too; ``long`` runs many random ones, for a search before a release::

    KONG_ORM_HYPOTHESIS_PROFILE=long pytest tests/property
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from kong_orm import DAOFactory, create_factory
from tests.conftest import BACKENDS, quiet_config

PROFILE_VARIABLE = "KONG_ORM_HYPOTHESIS_PROFILE"
_SLOW_STORES = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=20, derandomize=True, database=None, **_SLOW_STORES)
settings.register_profile("long", max_examples=400, **_SLOW_STORES)
settings.load_profile(os.environ.get(PROFILE_VARIABLE, "ci"))


@pytest.fixture(scope="session")
def factories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DAOFactory]]:
    """A factory per configured backend, on migrated and emptied tables, kept for the session.

    Each test applies the same calls to all of them, so their contents stay equal.
    """
    opened: dict[str, DAOFactory] = {}
    try:
        for backend in BACKENDS:
            opened[backend] = create_factory(quiet_config(backend, tmp_path_factory.mktemp(f"property-{backend}")))
            opened[backend].run_migrations()
            opened[backend].truncate_tables()
        yield opened
    finally:
        for factory in opened.values():
            factory.close()
