"""Factories of one process serving different plugins and entities each keep their own."""
from __future__ import annotations

from pathlib import Path

import pytest

from kong_orm import ConfigError, SchemaError, create_factory
from kong_orm.schema import Entity, Field, Kind
from kong_orm.schema.entities.common import created_at_field, id_field

WIDGETS_V1 = Entity(name="widgets", fields=(id_field(), created_at_field(), Field("label", Kind.STRING)))
WIDGETS_V2 = Entity(
    name="widgets",
    fields=(id_field(), created_at_field(), Field("colour", Kind.STRING, required=True), Field("size", Kind.NUMBER)),
)


def test_two_definitions_of_one_entity_name_get_their_own_tables(tmp_path: Path) -> None:
    with create_factory(f"sqlite:///{tmp_path / 'one.db'}", plugins=[], entities=[WIDGETS_V1]) as one, create_factory(
        f"sqlite:///{tmp_path / 'two.db'}", plugins=[], entities=[WIDGETS_V2]
    ) as two:
        one.run_migrations()
        two.run_migrations()
        assert one.widgets.insert({"label": "a"})["label"] == "a"
        assert set(two.widgets.insert({"colour": "red", "size": 2})) == {"id", "created_at", "colour", "size"}
        with pytest.raises(SchemaError) as raised:
            two.widgets.insert({"label": "a"})
        assert raised.value.errors == {"label": "label is an unknown field", "colour": "colour is required"}
        assert one.backend.models["widgets"] is not two.backend.models["widgets"]  # type: ignore[attr-defined]


def test_each_factory_serves_only_its_plugins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with create_factory(url, plugins=["key-auth"]) as narrow, create_factory(url) as wide:
        wide.run_migrations()
        api = wide.apis.insert({"request_host": "side.example.com", "upstream_url": "http://up"})
        assert wide.plugins.insert({"name": "acl", "api_id": api["id"], "config": {"whitelist": ["a"]}})
        with pytest.raises(SchemaError) as raised:
            narrow.plugins.insert({"name": "acl", "api_id": api["id"], "config": {"whitelist": ["b"]}})
        assert raised.value.errors == {"config": 'Plugin "acl" not found'}
        assert "acls" not in narrow.catalog and "acls" in wide.catalog
        assert narrow.plugins.insert({"name": "key-auth", "api_id": api["id"]})["config"]["key_names"] == ["apikey"]


def test_plugins_come_from_the_config_or_fail_clearly(tmp_path: Path) -> None:
    with create_factory(f"sqlite:///{tmp_path / 'c.db'}?plugins=acl,jwt") as factory:
        assert [plugin.name for plugin in factory.catalog.plugins] == ["acl", "jwt"]
    with pytest.raises(ConfigError, match="unknown plugin 'nope'; known: .*key-auth"):
        create_factory("sqlite://", plugins=["nope"])
    with pytest.raises(ConfigError, match="two entities are named 'acls'"):
        create_factory("sqlite://", entities=[Entity(name="acls", fields=(id_field(),))])
