"""Bundled plugins: all of Kong 0.8.3's are registered; the checks they share."""
from __future__ import annotations

import pytest

from kong_orm.plugins import get_plugin, registered_plugins
from kong_orm.plugins.checks import ipv4_cidr_problem
from kong_orm.plugins.ssl import CERTIFICATE_LABELS, KEY_LABELS, pem_to_der
from kong_orm.testing.contract.test_plugin_configs import CERT, KEY

KONG_0_8_3_PLUGINS = [
    "ssl",
    "jwt",
    "acl",
    "correlation-id",
    "cors",
    "oauth2",
    "tcp-log",
    "udp-log",
    "file-log",
    "http-log",
    "key-auth",
    "hmac-auth",
    "basic-auth",
    "ip-restriction",
    "galileo",
    "request-transformer",
    "response-transformer",
    "request-size-limiting",
    "rate-limiting",
    "response-ratelimiting",
    "syslog",
    "loggly",
    "datadog",
    "runscope",
    "ldap-auth",
    "statsd",
]
NO_CONSUMER = {"ssl", "jwt", "acl", "cors", "oauth2", "key-auth", "hmac-auth", "basic-auth"}


def test_every_bundled_plugin_is_registered() -> None:
    assert len(set(KONG_0_8_3_PLUGINS)) == 26
    assert set(KONG_0_8_3_PLUGINS) <= set(registered_plugins())


@pytest.mark.parametrize("name", KONG_0_8_3_PLUGINS)
def test_bundled_plugin_loads_with_its_consumer_rule(name: str) -> None:
    plugin = get_plugin(name)
    assert plugin is not None and plugin.name == name
    assert plugin.no_consumer is (name in NO_CONSUMER)


@pytest.mark.parametrize(
    "entry, problem",
    [
        ("10.0.0.1", None),
        ("0.0.0.0/32", None),
        ("255.255.255.255/1", None),
        ("10.0.0", "Invalid IP"),
        ("10.0.0.1.2", "Invalid IP"),
        ("::1", "Invalid IP"),
        ("10.0.x.1", "Invalid octet: x"),
        ("10.0.-1.1", "Invalid octet: -1"),
        ("10.0.0.1/", "Invalid prefix: /"),
        ("10.0.0.1/33", "Invalid prefix: /33"),
        ("10.0.0.1/a", "Invalid prefix: /a"),
        (None, "IP must be a string"),
    ],
)
def test_ipv4_cidr_problems(entry: object, problem: str | None) -> None:
    assert ipv4_cidr_problem(entry) == problem


def test_pem_certificate_chains_are_concatenated() -> None:
    one = pem_to_der(CERT, CERTIFICATE_LABELS)
    assert one is not None
    assert pem_to_der(CERT + CERT, CERTIFICATE_LABELS) == one + one


@pytest.mark.parametrize(
    "text",
    [
        "",
        KEY.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
        KEY.replace("-----END PRIVATE KEY-----", ""),
        KEY.replace("MIGHAgEA", "MIGHAgE!"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    ],
    ids=["empty", "encrypted", "unterminated", "not-base64", "not-der"],
)
def test_bad_private_keys_have_no_der(text: str) -> None:
    assert pem_to_der(text, KEY_LABELS, first_only=True) is None
