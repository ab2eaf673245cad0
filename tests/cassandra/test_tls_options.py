"""TLS and credential options become the driver objects of the factory's
cluster: its ``ssl_context`` and ``auth_provider``, as kong_orm builds them
(no server needed; tests/cassandra/test_tls_node.py connects to one)."""
from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
from cassandra.auth import PlainTextAuthProvider

from kong_orm import Config
from kong_orm.backends.cassandra.connection import cluster_options
from kong_orm.backends.cassandra.settings import CassandraSettings, SslSettings
from tests.certificates import Certificates, make_certificates


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certificates"))


def cluster_of(url: str) -> dict[str, Any]:
    return cluster_options(CassandraSettings.from_config(Config.from_url(url)))


def authorities(context: ssl.SSLContext) -> list[str]:
    return [dict(part[0] for part in cert["subject"]).get("commonName", "") for cert in context.get_ca_certs()]


def test_a_verified_connection_with_a_client_certificate(certificates: Certificates) -> None:
    options = cluster_of(
        f"cassandra://127.0.0.1/kong?ssl=true&ssl_verify=true&ssl_certificate_authority={certificates.authority}"
        f"&ssl_certificate={certificates.client.certificate}&ssl_key={certificates.client.key}"
    )
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert authorities(context) == ["kong_orm test CA"]


def test_the_host_name_check_can_be_left_out(certificates: Certificates) -> None:
    settings = CassandraSettings.from_config(Config("cassandra", options={
        "ssl": {"enabled": True, "verify": True, "verify_hostname": False,
                "certificate_authority": str(certificates.authority)},
    }))
    assert settings.ssl == SslSettings(enabled=True, verify=True, verify_hostname=False,
                                       certificate_authority=str(certificates.authority))
    context = cluster_options(settings)["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname


def test_unverified_tls_and_no_tls() -> None:
    unverified = cluster_of("cassandra://127.0.0.1/kong?ssl=true")["ssl_context"]
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname
    assert cluster_of("cassandra://127.0.0.1/kong")["ssl_context"] is None


def test_verified_tls_without_an_authority_trusts_the_system_roots() -> None:
    context = cluster_of("cassandra://127.0.0.1/kong?ssl=true&ssl_verify=true")["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "kong_orm test CA" not in authorities(context)


def test_username_and_password_become_a_plain_text_auth_provider() -> None:
    provider = cluster_of("cassandra://kong:s%40cret@127.0.0.1/kong")["auth_provider"]
    assert isinstance(provider, PlainTextAuthProvider)
    assert (provider.username, provider.password) == ("kong", "s@cret")
    assert cluster_of("cassandra://127.0.0.1/kong")["auth_provider"] is None


def test_the_yaml_form_reaches_the_same_objects(certificates: Certificates, tmp_path: Path) -> None:
    path = tmp_path / "kong.yml"
    path.write_text(
        "database: cassandra\ncassandra:\n  username: kong\n  password: pw\n"
        f"  ssl: {{enabled: true, verify: true, certificate_authority: {certificates.authority},"
        f" certificate: {certificates.client.certificate}, key: {certificates.client.key}}}\n"
    )
    options = cluster_options(CassandraSettings.from_config(Config.from_file(path)))
    assert authorities(options["ssl_context"]) == ["kong_orm test CA"]
    assert options["auth_provider"].username == "kong"
