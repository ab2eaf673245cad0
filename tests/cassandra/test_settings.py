"""Reading Cassandra settings from URLs and YAML-style sections (no server needed)."""
from __future__ import annotations

import ssl

import pytest
from cassandra import ConsistencyLevel

from kong_orm import Config
from kong_orm.backends.cassandra.connection import ssl_context
from kong_orm.backends.cassandra.settings import CassandraSettings, SettingsError, SslSettings


def _read(config: Config) -> CassandraSettings:
    return CassandraSettings.from_config(config)


def test_url_names_hosts_port_keyspace_and_options() -> None:
    settings = _read(Config.from_url("cassandra://h1,h2:9142/kong?consistency=quorum&replication_factor=3&timeout=2.5"))
    assert settings.contact_points == ("h1", "h2:9142")
    assert settings.port == 9142
    assert settings.keyspace == "kong"
    assert settings.consistency == ConsistencyLevel.QUORUM
    assert settings.replication_factor == 3
    assert settings.timeout == 2.5


def test_url_credentials_are_read_and_not_shown() -> None:
    settings = _read(Config.from_url("cassandra://kong:s%40cret@127.0.0.1/kong"))
    assert (settings.username, settings.password) == ("kong", "s@cret")
    assert "s@cret" not in repr(settings)


def test_defaults_follow_kong() -> None:
    settings = _read(Config("cassandra"))
    assert settings.contact_points == ("127.0.0.1",) and settings.port == 9042
    assert settings.keyspace == "kong" and settings.replication_strategy == "SimpleStrategy"
    assert settings.consistency == ConsistencyLevel.ONE
    assert settings.serial_consistency == ConsistencyLevel.SERIAL


def test_yaml_section_with_data_centers_and_ssl() -> None:
    section = {
        "database": "cassandra",
        "cassandra": {
            "contact_points": ["10.0.0.1:9042", "10.0.0.2:9042"],
            "keyspace": "gateway",
            "replication_strategy": "NetworkTopologyStrategy",
            "data_centers": {"dc1": 3, "dc2": 2},
            "consistency": "LOCAL_QUORUM",
            "serial_consistency": "LOCAL_SERIAL",
            "username": "kong",
            "password": "secret",
            "ssl": {"enabled": True, "verify": False},
        },
    }
    settings = _read(Config.from_dict(section))
    assert settings.port == 9042 and settings.keyspace == "gateway"
    assert dict(settings.data_centers) == {"dc1": 3, "dc2": 2}
    assert settings.consistency == ConsistencyLevel.LOCAL_QUORUM
    assert settings.serial_consistency == ConsistencyLevel.LOCAL_SERIAL
    assert settings.ssl == SslSettings(enabled=True, verify=False)


def test_ssl_contexts() -> None:
    assert ssl_context(SslSettings()) is None
    unverified = ssl_context(SslSettings(enabled=True))
    assert unverified is not None and unverified.verify_mode == ssl.CERT_NONE
    verified = ssl_context(SslSettings(enabled=True, verify=True))
    assert verified is not None and verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname


@pytest.mark.parametrize(
    "options",
    [
        {"keyspace": "no-dashes"},
        {"keyspace": "x" * 49},
        {"serial_consistency": "QUORUM"},
        {"data_centers": {"dc1": 0}},
        {"contact_points": []},
        {"contact_points": ["a:1", "b:2"]},
        {"timeout": 0},
    ],
)
def test_unusable_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        _read(Config("cassandra", options=options))
