"""An update checks the parents of the row it writes are alive, whether it keeps them or moves the row."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from kong_orm import DAOFactory, ForeignKeyError, create_factory
from kong_orm.testing.contract.helpers import add_api, add_plugin, plugin_key


@pytest.fixture
def factory(migrated_factory: DAOFactory) -> Iterator[DAOFactory]:
    """A factory on the migrated test database whose purger stays off (expired rows stay stored)."""
    migrated_factory.truncate_tables()
    url = migrated_factory.backend.store.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    with create_factory(f"{url}?purge_interval=0") as quiet:
        yield quiet


def test_an_update_keeping_an_expired_parent_is_refused(factory: DAOFactory) -> None:
    api = add_api(factory, ttl=1)
    plugin = add_plugin(factory, api)
    time.sleep(1.5)
    with pytest.raises(ForeignKeyError) as raised:
        factory.plugins.update({"config": {"second": 9}}, plugin_key(plugin))
    assert raised.value.errors == {"api_id": f"does not exist with value '{api['id']}'"}
    assert factory.plugins.find(plugin_key(plugin)) == plugin


def test_an_update_moving_to_a_missing_or_expired_parent_is_refused(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    expired, missing = add_api(factory, ttl=1), uuid.uuid4()
    time.sleep(1.5)
    for parent in (expired["id"], missing):
        with pytest.raises(ForeignKeyError) as raised:
            factory.plugins.update({"api_id": parent}, plugin_key(plugin))
        assert raised.value.errors == {"api_id": f"does not exist with value '{parent}'"}
    assert factory.plugins.find(plugin_key(plugin)) == plugin


def test_an_update_moving_to_a_live_parent_is_stored(factory: DAOFactory) -> None:
    plugin = add_plugin(factory, add_api(factory))
    other = add_api(factory)
    moved = factory.plugins.update({"api_id": other["id"]}, plugin_key(plugin))
    assert moved == {**plugin, "api_id": other["id"]}
    assert factory.plugins.find(plugin_key(plugin)) == moved
