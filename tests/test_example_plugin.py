"""The example third-party plugin (examples/ipban-plugin), installed as its own
package, works end to end: discovered by its entry point, migrated by a factory
and by ``alembic upgrade heads``, served with the full entity contract."""
from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from kong_orm import create_factory
from kong_orm.errors import SchemaError, UniqueError
from kong_orm.plugins.registry import ENTRY_POINT_GROUP, registered_plugins
from tests.sql.test_migrations import IP_BAN_REVISIONS, _alembic


def test_the_example_plugin_is_installed_and_known() -> None:
    names = {point.name for point in entry_points(group=ENTRY_POINT_GROUP)}
    assert "ip-ban" in names, "pip install -e examples/ipban-plugin (scripts/run-tests does)"
    assert "ip-ban" in registered_plugins()


def test_a_factory_serves_and_migrates_it(tmp_path: Path) -> None:
    with create_factory(f"sqlite:///{tmp_path / 'ipban.db'}") as factory:
        assert factory.run_migrations()["ip-ban"] == IP_BAN_REVISIONS
        assert factory.current_migrations()["ip-ban"] == IP_BAN_REVISIONS
        consumer = factory.consumers.insert({"username": "mallory"})
        ban = factory.ip_bans.insert({"consumer_id": consumer["id"], "address": "203.0.113.9"})
        with pytest.raises(UniqueError):
            factory.ip_bans.insert({"consumer_id": consumer["id"], "address": "203.0.113.9"})
        with pytest.raises(SchemaError) as raised:
            factory.ip_bans.insert({"consumer_id": consumer["id"], "address": "nowhere"})
        assert raised.value.errors == {"address": "'nowhere' is not an IP address"}
        api = factory.apis.insert({"request_host": "ban.example.com", "upstream_url": "http://up"})
        plugin = factory.plugins.insert({"name": "ip-ban", "api_id": api["id"]})
        assert plugin["config"] == {"message": "Your address is banned"}
        factory.consumers.delete({"id": consumer["id"]})
        assert factory.ip_bans.find({"id": ban["id"]}) is None


def test_a_factory_without_it_has_no_table_for_it(tmp_path: Path) -> None:
    with create_factory(f"sqlite:///{tmp_path / 'none.db'}", plugins=["key-auth"]) as factory:
        assert "ip-ban" not in factory.run_migrations()
        with pytest.raises(KeyError):
            factory.dao("ip_bans")
        api = factory.apis.insert({"request_host": "ban.example.com", "upstream_url": "http://up"})
        with pytest.raises(SchemaError) as raised:
            factory.plugins.insert({"name": "ip-ban", "api_id": api["id"]})
        assert raised.value.errors == {"config": 'Plugin "ip-ban" not found'}


def test_alembic_upgrade_heads_applies_installed_plugins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _alembic(url, "upgrade", "heads")
    with create_factory(url) as factory:
        assert factory.current_migrations()["ip-ban"] == IP_BAN_REVISIONS
        assert factory.run_migrations() == {}
