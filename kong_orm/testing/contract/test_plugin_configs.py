"""The config schema of every bundled plugin: defaults, checks and their messages, consumers.

Each case inserts one plugin on a fresh api and states the outcome: the config
as stored (absent optional fields read back as null and are left out of the
expectation) or the errors raised.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from kong_orm.errors import SchemaError
from kong_orm.factory import DAOFactory
from kong_orm.testing.contract.helpers import add_api, add_consumer, plugin_key

CERT = """-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUBbQzopddZqxrz0FPn3UJNnVwQ5YwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPc3NsLmV4YW1wbGUuY29tMCAXDTI2MTIwMTE2MjkxMloYDzIx
MjYxMTA3MTYyOTEyWjAaMRgwFgYDVQQDDA9zc2wuZXhhbXBsZS5jb20wWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAR+nN03E2H2jS865frvTebUO/ghCV2QnnDaMee+
xYvvej4rMztsa0nE0aIUX3cWU0vyPLlfCMkRzAsBzU5Eba5ao1MwUTAdBgNVHQ4E
FgQUES6UQQ/59afgtX0u6+ASxCSYMkswHwYDVR0jBBgwFoAUES6UQQ/59afgtX0u
6+ASxCSYMkswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiB0v7U2
xIzKI6lC7O1ze6WarYdoAYFz+fa0oVUoMFeXFgIgDRGOQpbHit5znPRvkDAMzZEr
FwPqch4wDWzwcFdZcwE=
-----END CERTIFICATE-----
"""
KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg95cEW+ApeW6cyDC9
PnE3/zdoLlZb2a4VgoyJ/pv2gZOhRANCAAR+nN03E2H2jS865frvTebUO/ghCV2Q
nnDaMee+xYvvej4rMztsa0nE0aIUX3cWU0vyPLlfCMkRzAsBzU5Eba5a
-----END PRIVATE KEY-----
"""


def der_base64(pem: str) -> str:
    """The base64 DER inside a single-block PEM text: its body lines, joined."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


@dataclass(frozen=True)
class Stored:
    """The insert succeeds and the config reads back as this (nulls left out)."""

    config: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """The insert raises a :class:`SchemaError` with exactly these errors."""

    errors: dict[str, str]


class HexKey:
    """Equal to any 32-digit lower-case hex string (a generated key)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and re.fullmatch(r"[0-9a-f]{32}", other) is not None

    def __repr__(self) -> str:
        return "<32 hex digits>"


def allowed(bad: str, *values: str) -> str:
    return f'"{bad}" is not allowed. Allowed values are: ' + ", ".join(f'"{v}"' for v in values)


SEVERITIES = ("debug", "info", "notice", "warning", "err", "crit", "alert", "emerg")
METRICS = (
    "request_count",
    "latency",
    "request_size",
    "status_count",
    "response_size",
    "unique_users",
    "request_per_user",
)
INFO = {
    name: "info" for name in ("log_level", "successful_severity", "client_errors_severity", "server_errors_severity")
}
OAUTH2 = {
    "mandatory_scope": False,
    "provision_key": HexKey(),
    "token_expiration": 7200,
    "enable_authorization_code": True,
    "enable_implicit_grant": False,
    "enable_client_credentials": False,
    "enable_password_grant": False,
    "hide_credentials": False,
    "accept_http_if_already_terminated": False,
}
LDAP = {"ldap_host": "ldap.example.com", "ldap_port": 389, "base_dn": "dc=example,dc=com", "attribute": "cn"}
SSL = {"cert": CERT.strip(), "key": KEY.strip()}
SSL_STORED = {
    **SSL,
    "only_https": False,
    "accept_http_if_already_terminated": False,
    "_cert_der_cache": der_base64(CERT),
    "_key_der_cache": der_base64(KEY),
}
NO_LISTS: dict[str, list[str]] = {"body": [], "headers": [], "querystring": []}
NO_JSON: dict[str, list[str]] = {"json": [], "headers": []}
STATSD = {"host": "localhost", "port": 8125, "metrics": list(METRICS), "timeout": 10000}
SEVERITY_MESSAGE = allowed("verbose", *SEVERITIES)


def case(name: str, config: dict[str, Any], outcome: Stored | Refused, id: str) -> Any:
    return pytest.param(name, config, outcome, id=f"{name}-{id}")


CASES = [
    case("key-auth", {}, Stored({"key_names": ["apikey"], "hide_credentials": False}), "defaults"),
    case("basic-auth", {}, Stored({"hide_credentials": False}), "defaults"),
    case(
        "basic-auth",
        {"hide_credentials": "yes"},
        Refused({"config.hide_credentials": "hide_credentials is not a boolean"}),
        "type",
    ),
    case("hmac-auth", {}, Stored({"hide_credentials": False, "clock_skew": 300}), "defaults"),
    case("hmac-auth", {"clock_skew": 0}, Stored({"hide_credentials": False, "clock_skew": 0}), "zero-skew"),
    case(
        "hmac-auth",
        {"clock_skew": -10},
        Refused({"config.clock_skew": "Clock Skew should be positive"}),
        "negative-skew",
    ),
    case(
        "jwt", {}, Stored({"uri_param_names": ["jwt"], "key_claim_name": "iss", "secret_is_base64": False}), "defaults"
    ),
    case(
        "jwt",
        {"claims_to_verify": "exp, nbf"},
        Stored(
            {
                "uri_param_names": ["jwt"],
                "key_claim_name": "iss",
                "secret_is_base64": False,
                "claims_to_verify": ["exp", "nbf"],
            }
        ),
        "claims",
    ),
    case(
        "jwt",
        {"claims_to_verify": ["exp", "iat"]},
        Refused({"config.claims_to_verify": allowed("iat", "exp", "nbf")}),
        "bad-claim",
    ),
    case("oauth2", {}, Stored(OAUTH2), "defaults"),
    case("oauth2", {"provision_key": "my-key"}, Stored({**OAUTH2, "provision_key": "my-key"}), "given-key"),
    case("oauth2", {"provision_key": "  "}, Stored(OAUTH2), "blank-key"),
    case(
        "oauth2",
        {"mandatory_scope": True},
        Refused({"config.mandatory_scope": "To set a mandatory scope you also need to create available scopes"}),
        "mandatory-scope-alone",
    ),
    case(
        "oauth2",
        {"mandatory_scope": True, "scopes": []},
        Stored({**OAUTH2, "mandatory_scope": True, "scopes": []}),
        "empty-scopes",
    ),
    case(
        "oauth2",
        {"scopes": ["email"], "enable_authorization_code": False, "token_expiration": "60"},
        Stored({**OAUTH2, "scopes": ["email"], "enable_authorization_code": False, "token_expiration": 60}),
        "no-flow",
    ),
    case(
        "ldap-auth",
        {},
        Refused({f"config.{name}": f"{name} is required" for name in LDAP}),
        "required",
    ),
    case(
        "ldap-auth",
        LDAP,
        Stored(
            {
                **LDAP,
                "start_tls": False,
                "verify_ldap_host": False,
                "cache_ttl": 60,
                "hide_credentials": False,
                "timeout": 10000,
                "keepalive": 60000,
            }
        ),
        "defaults",
    ),
    case("acl", {"whitelist": "admin, dev"}, Stored({"whitelist": ["admin", "dev"]}), "whitelist"),
    case("acl", {"blacklist": ["bots"]}, Stored({"blacklist": ["bots"]}), "blacklist"),
    case(
        "acl",
        {"whitelist": ["a"], "blacklist": ["b"]},
        Refused({"config": "You cannot set both a whitelist and a blacklist"}),
        "both",
    ),
    case("acl", {"whitelist": []}, Refused({"config": "You must set at least a whitelist or blacklist"}), "neither"),
    case(
        "ip-restriction",
        {"whitelist": "10.0.0.1, 192.168.0.0/16"},
        Stored({"whitelist": ["10.0.0.1", "192.168.0.0/16"]}),
        "whitelist",
    ),
    case("ip-restriction", {"blacklist": ["1.2.3.4/32"]}, Stored({"blacklist": ["1.2.3.4/32"]}), "blacklist"),
    case(
        "ip-restriction",
        {"whitelist": "hello"},
        Refused({"config.whitelist": "cannot parse 'hello': Invalid IP"}),
        "not-an-ip",
    ),
    case(
        "ip-restriction",
        {"blacklist": ["1.2.3.4", "1.2.3.256", "x"]},
        Refused({"config.blacklist": "cannot parse '1.2.3.256': Invalid octet: 256"}),
        "first-bad-entry",
    ),
    case(
        "ip-restriction",
        {"whitelist": ["10.0.0.0/0"]},
        Refused({"config.whitelist": "cannot parse '10.0.0.0/0': Invalid prefix: /0"}),
        "prefix",
    ),
    case(
        "ip-restriction",
        {"whitelist": [7]},
        Refused({"config.whitelist": "cannot parse '7': IP must be a string"}),
        "not-a-string",
    ),
    case("ip-restriction", {"whitelist": 7}, Refused({"config.whitelist": "whitelist is not an array"}), "not-a-list"),
    case(
        "ip-restriction",
        {"whitelist": ["1.1.1.1"], "blacklist": ["2.2.2.2"]},
        Refused({"config": "you cannot set both a whitelist and a blacklist"}),
        "both",
    ),
    case(
        "ip-restriction",
        {"whitelist": [], "blacklist": []},
        Refused({"config": "you must set at least a whitelist or blacklist"}),
        "neither",
    ),
    case("cors", {}, Stored({"credentials": False, "preflight_continue": False}), "defaults"),
    case(
        "cors",
        {"origin": "*", "methods": "GET, POST", "max_age": "3600"},
        Stored(
            {
                "origin": "*",
                "methods": ["GET", "POST"],
                "max_age": 3600,
                "credentials": False,
                "preflight_continue": False,
            }
        ),
        "given",
    ),
    case(
        "cors",
        {"methods": ["GET", "OPTIONS"]},
        Refused({"config.methods": allowed("OPTIONS", "HEAD", "GET", "POST", "PUT", "PATCH", "DELETE")}),
        "bad-method",
    ),
    case("ssl", SSL, Stored(SSL_STORED), "defaults"),
    case("ssl", {}, Refused({"config.cert": "cert is required", "config.key": "key is required"}), "required"),
    case("ssl", {**SSL, "cert": "not a certificate"}, Refused({"config.cert": "Invalid SSL certificate"}), "bad-cert"),
    case("ssl", {**SSL, "cert": KEY}, Refused({"config.cert": "Invalid SSL certificate"}), "key-as-cert"),
    case("ssl", {**SSL, "key": CERT}, Refused({"config.key": "Invalid SSL certificate key"}), "cert-as-key"),
    case(
        "ssl",
        {**SSL, "key": KEY.replace("nnDa", "")},
        Refused({"config.key": "Invalid SSL certificate key"}),
        "truncated-key",
    ),
    case("request-size-limiting", {}, Stored({"allowed_payload_size": 128}), "defaults"),
    case(
        "request-size-limiting",
        {"allowed_payload_size": "big"},
        Refused({"config.allowed_payload_size": "allowed_payload_size is not a number"}),
        "type",
    ),
    case(
        "request-transformer",
        {},
        Stored({action: NO_LISTS for action in ("remove", "replace", "add", "append")}),
        "defaults",
    ),
    case(
        "request-transformer",
        {"add": {"headers": "x-a:1, x-b:2"}, "remove": {"querystring": ["debug"]}},
        Stored(
            {
                "remove": {**NO_LISTS, "querystring": ["debug"]},
                "replace": NO_LISTS,
                "add": {**NO_LISTS, "headers": ["x-a:1", "x-b:2"]},
                "append": NO_LISTS,
            }
        ),
        "given",
    ),
    case(
        "request-transformer",
        {"remove": {"form": ["a"]}},
        Refused({"config.remove.form": "form is an unknown field"}),
        "old-form",
    ),
    case("request-transformer", {"add": "x-a:1"}, Refused({"config.add": "add is not a table"}), "not-a-table"),
    case(
        "response-transformer",
        {},
        Stored({action: NO_JSON for action in ("remove", "replace", "add", "append")}),
        "defaults",
    ),
    case(
        "response-transformer",
        {"append": {"json": ["a:1"]}},
        Stored({"remove": NO_JSON, "replace": NO_JSON, "add": NO_JSON, "append": {"json": ["a:1"], "headers": []}}),
        "given",
    ),
    case(
        "correlation-id",
        {},
        Stored({"header_name": "Kong-Request-ID", "generator": "uuid#counter", "echo_downstream": False}),
        "defaults",
    ),
    case(
        "correlation-id",
        {"generator": "uuid", "echo_downstream": True},
        Stored({"header_name": "Kong-Request-ID", "generator": "uuid", "echo_downstream": True}),
        "given",
    ),
    case(
        "correlation-id",
        {"generator": "tracker"},
        Refused({"config.generator": allowed("tracker", "uuid", "uuid#counter")}),
        "generator",
    ),
    case("tcp-log", {}, Refused({"config.host": "host is required", "config.port": "port is required"}), "required"),
    case(
        "tcp-log",
        {"host": "logs.example.com", "port": "5000"},
        Stored({"host": "logs.example.com", "port": 5000, "timeout": 10000, "keepalive": 60000}),
        "defaults",
    ),
    case("tcp-log", {"host": "h", "port": "x"}, Refused({"config.port": "port is not a number"}), "port"),
    case("udp-log", {}, Refused({"config.host": "host is required", "config.port": "port is required"}), "required"),
    case("udp-log", {"host": "h", "port": 514}, Stored({"host": "h", "port": 514, "timeout": 10000}), "defaults"),
    case("http-log", {}, Refused({"config.http_endpoint": "http_endpoint is required"}), "required"),
    case(
        "http-log",
        {"http_endpoint": "http://logs.example.com/in"},
        Stored({"http_endpoint": "http://logs.example.com/in", "method": "POST", "timeout": 10000, "keepalive": 60000}),
        "defaults",
    ),
    case(
        "http-log",
        {"http_endpoint": "logs"},
        Refused({"config.http_endpoint": "http_endpoint is not a url"}),
        "endpoint",
    ),
    case(
        "http-log",
        {"http_endpoint": "http://logs.example.com", "method": "GET"},
        Refused({"config.method": allowed("GET", "POST", "PUT", "PATCH")}),
        "method",
    ),
    case("file-log", {}, Refused({"config.path": "path is required"}), "required"),
    case("file-log", {"path": "/no/such/dir/kong.log"}, Stored({"path": "/no/such/dir/kong.log"}), "any-path"),
    case("syslog", {}, Stored(INFO), "defaults"),
    case("syslog", {"server_errors_severity": "crit"}, Stored({**INFO, "server_errors_severity": "crit"}), "given"),
    case("syslog", {"log_level": "verbose"}, Refused({"config.log_level": SEVERITY_MESSAGE}), "level"),
    case("loggly", {}, Refused({"config.key": "key is required"}), "required"),
    case(
        "loggly",
        {"key": "token"},
        Stored({"host": "logs-01.loggly.com", "port": 514, "key": "token", "tags": ["kong"], **INFO, "timeout": 10000}),
        "defaults",
    ),
    case(
        "loggly",
        {"key": "k", "client_errors_severity": "verbose"},
        Refused({"config.client_errors_severity": SEVERITY_MESSAGE}),
        "severity",
    ),
    case("datadog", {}, Stored(STATSD), "defaults"),
    case("datadog", {"metrics": []}, Stored({**STATSD, "metrics": []}), "no-metrics"),
    case(
        "datadog",
        {"metrics": ["latency", "bogus"]},
        Refused({"config.metrics": allowed("bogus", *METRICS)}),
        "bad-metric",
    ),
    case("statsd", {}, Stored(STATSD), "defaults"),
    case("statsd", {"host": "", "metrics": "latency"}, Stored({**STATSD, "metrics": ["latency"]}), "blank-host"),
    case("statsd", {"metrics": ["counts"]}, Refused({"config.metrics": allowed("counts", *METRICS)}), "bad-metric"),
    case("galileo", {}, Refused({"config.service_token": "service_token is required"}), "required"),
    case(
        "galileo",
        {"service_token": "abc", "environment": "test"},
        Stored(
            {
                "environment": "test",
                "retry_count": 10,
                "queue_size": 1000,
                "flush_timeout": 2,
                "log_bodies": False,
                "service_token": "abc",
                "connection_timeout": 30,
                "host": "collector.galileo.mashape.com",
                "port": 443,
                "https": True,
                "https_verify": False,
            }
        ),
        "defaults",
    ),
    case(
        "runscope",
        {},
        Refused({"config.bucket_key": "bucket_key is required", "config.access_token": "access_token is required"}),
        "required",
    ),
    case(
        "runscope",
        {"bucket_key": "b", "access_token": "t"},
        Stored(
            {
                "api_endpoint": "https://api.runscope.com",
                "bucket_key": "b",
                "access_token": "t",
                "timeout": 10000,
                "keepalive": 30,
                "log_body": False,
            }
        ),
        "defaults",
    ),
    case(
        "runscope",
        {"bucket_key": "b", "access_token": "t", "api_endpoint": "runscope"},
        Refused({"config.api_endpoint": "api_endpoint is not a url"}),
        "endpoint",
    ),
    case(
        "response-ratelimiting",
        {"limits": {"video": {"minute": 10}}},
        Stored(
            {
                "header_name": "x-kong-limit",
                "continue_on_error": False,
                "block_on_first_violation": False,
                "limits": {"video": {"minute": 10}},
            }
        ),
        "defaults",
    ),
]


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    return value


@pytest.mark.parametrize("name, config, outcome", CASES)
def test_plugin_config(factory: DAOFactory, name: str, config: dict[str, Any], outcome: Stored | Refused) -> None:
    values = {"name": name, "api_id": add_api(factory)["id"], "config": config}
    if isinstance(outcome, Refused):
        with pytest.raises(SchemaError) as raised:
            factory.plugins.insert(values)
        assert raised.value.errors == outcome.errors
        assert factory.plugins.count() == 0
        return
    plugin = factory.plugins.insert(values)
    assert without_nulls(plugin["config"]) == outcome.config
    assert factory.plugins.find(plugin_key(plugin)) == plugin


VALID_CONFIGS = {
    "key-auth": {},
    "basic-auth": {},
    "hmac-auth": {},
    "jwt": {},
    "oauth2": {},
    "acl": {"whitelist": ["admin"]},
    "cors": {},
    "ssl": SSL,
}
"""A valid config of each plugin that cannot be configured for one consumer."""


@pytest.mark.parametrize("name", sorted(VALID_CONFIGS))
def test_plugin_refuses_a_consumer(factory: DAOFactory, name: str) -> None:
    values = {"name": name, "api_id": add_api(factory)["id"], "config": VALID_CONFIGS[name]}
    with pytest.raises(SchemaError) as raised:
        factory.plugins.insert({**values, "consumer_id": add_consumer(factory)["id"]})
    assert raised.value.errors == {"consumer_id": "No consumer can be configured for that plugin"}
    assert factory.plugins.insert(values)["consumer_id"] is None


@pytest.mark.parametrize("name, config", [("ldap-auth", LDAP), ("ip-restriction", {"whitelist": ["10.0.0.1"]})])
def test_plugin_accepts_a_consumer(factory: DAOFactory, name: str, config: dict[str, Any]) -> None:
    consumer = add_consumer(factory)
    plugin = factory.plugins.insert(
        {"name": name, "api_id": add_api(factory)["id"], "consumer_id": consumer["id"], "config": config}
    )
    assert plugin["consumer_id"] == consumer["id"]


def test_oauth2_update_sees_stored_scopes_and_keeps_the_provision_key(factory: DAOFactory) -> None:
    api = add_api(factory)
    plugin = factory.plugins.insert({"name": "oauth2", "api_id": api["id"], "config": {"scopes": ["email"]}})
    updated = factory.plugins.update({"config": {"mandatory_scope": True}}, plugin_key(plugin))
    assert updated is not None
    assert updated["config"] == {**plugin["config"], "mandatory_scope": True}


def test_ssl_der_caches_follow_a_new_certificate_sent_without_them(factory: DAOFactory) -> None:
    plugin = factory.plugins.insert(
        {"name": "ssl", "api_id": add_api(factory)["id"], "config": {**SSL, "_cert_der_cache": "stale"}}
    )
    assert plugin["config"]["_cert_der_cache"] == "stale"
    updated = factory.plugins.update({"config": {"cert": CERT, "_cert_der_cache": None}}, plugin_key(plugin))
    assert updated is not None
    assert updated["config"]["_cert_der_cache"] == der_base64(CERT)
