"""Reading Cassandra settings from URLs and YAML-style sections (no server needed)."""
from __future__ import annotations

import ssl
from typing import Any

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster
from cassandra.cqlengine import connection as cqlengine_connection

from kong_orm import Config, ConfigError, create_factory
from kong_orm.backends.cassandra.connection import ssl_context
from kong_orm.backends.cassandra.settings import CassandraSettings, SettingsError, SslSettings
from kong_orm.options import CONSISTENCY_LEVELS, split_point


def _read(config: Config) -> CassandraSettings:
    return CassandraSettings.from_config(config)


def test_url_names_hosts_port_keyspace_and_options() -> None:
    settings = _read(Config.from_url("cassandra://h1,h2:9142/kong?consistency=quorum&replication_factor=3&timeout=2.5"))
    assert settings.contact_points == (("h1", 9142), ("h2", 9142))
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
    assert settings.contact_points == (("127.0.0.1", 9042),) and settings.port == 9042
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
    "url, hosts, port",
    [
        ("cassandra://[::1]:9042/ks", ("::1",), 9042),
        ("cassandra://[::1]/ks", ("::1",), 9042),
        ("cassandra://[::1],[fe80::2]:9142/ks", ("::1", "fe80::2"), 9142),
        ("cassandra://h1,h2:9042/ks", ("h1", "h2"), 9042),
        ("cassandra://h1,h2/ks", ("h1", "h2"), 9042),
        ("cassandra:///ks", ("127.0.0.1",), 9042),
    ],
)
def test_url_hosts_ipv6_included(url: str, hosts: tuple[str, ...], port: int) -> None:
    settings = _read(Config.from_url(url))
    assert settings.contact_points == tuple((host, port) for host in hosts)
    assert (settings.port, settings.keyspace) == (port, "ks")


@pytest.mark.parametrize(
    "section, endpoints",
    [
        ({"contact_points": ["10.0.0.1:9142", "10.0.0.2"]}, (("10.0.0.1", 9142), ("10.0.0.2", 9042))),
        ({"contact_points": ["10.0.0.1:9142", "10.0.0.2:9143"]}, (("10.0.0.1", 9142), ("10.0.0.2", 9143))),
        ({"contact_points": ["[::1]:9142", "::2"], "port": 9142}, (("::1", 9142), ("::2", 9142))),
        ({"contact_points": "a, b"}, (("a", 9042), ("b", 9042))),
    ],
)
def test_yaml_contact_points_may_each_carry_their_port(section: dict[str, Any], endpoints: tuple[Any, ...]) -> None:
    settings = _read(Config.from_dict({"database": "cassandra", "cassandra": section}))
    assert settings.contact_points == endpoints and settings.port == section.get("port", 9042)


def test_the_driver_connects_to_each_contact_point_on_its_own_port() -> None:
    config = Config("cassandra", options={"contact_points": ["127.0.0.1:9142", "127.0.0.2"], "purge_interval": 0})
    with create_factory(config, plugins=[]) as factory:
        registered = cqlengine_connection._connections[factory.backend.connection.cqlengine_name]  # not connected
        cluster = Cluster(registered.hosts, **registered.cluster_options)  # built, not connected
        try:
            endpoints = sorted((endpoint.address, endpoint.port) for endpoint in cluster.endpoints_resolved)
        finally:
            cluster.shutdown()
    assert endpoints == [("127.0.0.1", 9142), ("127.0.0.2", 9042)]


def test_split_point_keeps_ipv6_addresses_whole() -> None:
    assert [split_point(p) for p in ("::1", "[::1]:9042", "h:9042", "h")] == [
        ("::1", None), ("::1", 9042), ("h", 9042), ("h", None),
    ]


def test_every_consistency_level_of_the_driver_is_known() -> None:
    assert set(CONSISTENCY_LEVELS) == set(ConsistencyLevel.name_to_value)


def test_a_session_object_in_a_dict_config_is_used_as_is() -> None:
    session = object()
    settings = _read(Config.from_dict({"database": "cassandra", "cassandra": {"session": session, "keyspace": "ks"}}))
    assert settings.session is session and settings.keyspace == "ks"


def test_settings_error_is_the_config_error() -> None:
    assert SettingsError is ConfigError and issubclass(SettingsError, ValueError)


@pytest.mark.parametrize(
    "query, message",
    [
        ("consistancy=QUORUM", "unknown option 'consistancy' for cassandra (did you mean 'consistency'?); known"),
        ("timeout=abc", "option 'timeout' takes a number of seconds from 0.001 to 86400, not 'abc'"),
        ("replication_factor=0", "option 'replication_factor' takes a positive integer, not '0'"),
        ("replication_strategy=Everywhere", "option 'replication_strategy' takes one of SimpleStrategy, Network"),
        ("port=x", "option 'port' takes a port number (1 to 65535), not 'x'"),
        ("pool_size=3", "unknown option 'pool_size' for cassandra"),
    ],
)
def test_bad_url_options_fail_when_the_factory_is_made(query: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        create_factory(f"cassandra://127.0.0.1/kong?{query}")
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    "options",
    [
        {"keyspace": "no-dashes"},
        {"keyspace": "x" * 49},
        {"serial_consistency": "QUORUM"},
        {"data_centers": {"dc1": 0}},
        {"contact_points": []},
        {"contact_points": ["a:1"], "port": 2},
        {"contact_points": ["a:x"]},
        {"contact_points": ["a:99999"]},
        {"contact_points": ["[::1"]},
        {"timeout": 0},
        {"ssl": {"enabled": True, "verfiy": True}},
        {"consistancy": "ONE"},
    ],
)
def test_unusable_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        _read(Config("cassandra", options=options))


@pytest.mark.parametrize("name, value", [
    ("contact_points", ["10.0.0.1"]), ("port", 9142), ("local_dc", "dc1"), ("ssl", True),
])
def test_connection_options_beside_a_session_are_refused_not_ignored(name: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=f"option '{name}' cannot be given beside 'session'"):
        Config("cassandra", options={"session": object(), name: value})


def test_credentials_beside_a_session_are_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match="option 'username' cannot be given beside 'session'"):
        Config("cassandra", options={"session": object(), "username": "kong", "password": "secret"})
