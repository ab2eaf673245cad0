"""TLS and password options reach the driver: a private Cassandra node serving
CQL over TLS only, requiring a client certificate of a throwaway authority
and a password. A factory verifying the node with that authority works over
TLS as its role; another authority, a revocation list revoking the node's
certificate, no client certificate or a wrong password fail as a DatabaseError
that shows no secret, in its message or in any log.
"""
from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.cqlengine import connection as cqlengine
from cassandra.policies import RoundRobinPolicy

from kong_orm import DAOFactory, DatabaseError, create_factory
from tests.cassandra.conftest import SCHEMA_TIMEOUT, backend_of
from tests.certificates import Certificates, make_certificates, revocation_list
from tests.leaks import CASSANDRA_PASSWORD, OFFSET_SECRET, assert_hidden, capturing_every_log, described
from tests.servers._common import ServerTls
from tests.servers.cassandra_node import SUPERUSER, PrivateNode

ROLE = "keeper"
KEYSPACE = "kong_orm_tls"


@dataclass(frozen=True)
class Served:
    node: PrivateNode
    certificates: Certificates

    def url(self, *, password: str = CASSANDRA_PASSWORD, **options: object) -> str:
        """The URL of the role whose password is the secret, with ``options``."""
        query = "&".join(f"{name}={value}" for name, value in {"timeout": 10, **options}.items())
        return f"cassandra://{ROLE}:{password}@127.0.0.1:{self.node.port}/{KEYSPACE}?{query}"

    def verified(self, **options: object) -> str:
        """A URL verifying the node with the right authority and presenting the client certificate."""
        tls = {
            "ssl": "true",
            "ssl_verify": "true",
            "ssl_certificate_authority": self.certificates.authority,
            "ssl_certificate": self.certificates.client.certificate,
            "ssl_key": self.certificates.client.key,
        }
        return self.url(**{**tls, **options})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    certificates = make_certificates(tmp_path_factory.mktemp("certificates"))
    tls = ServerTls(certificates.server.certificate, certificates.server.key, certificates.authority)
    node = PrivateNode(tmp_path_factory.mktemp("tls-cassandra"), tls=tls, passwords=True)
    node.start()
    try:
        _create_role(node, certificates)
        yield Served(node, certificates)
    finally:
        node.stop()


def _create_role(node: PrivateNode, certificates: Certificates) -> None:
    context = ssl.create_default_context(cafile=str(certificates.authority))
    context.load_cert_chain(certificates.client.certificate, certificates.client.key)
    cluster = Cluster(
        ["127.0.0.1"],
        port=node.port,
        protocol_version=5,
        ssl_context=context,
        auth_provider=PlainTextAuthProvider(*SUPERUSER),
        execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=RoundRobinPolicy())},
    )
    try:
        cluster.connect().execute(
            f"CREATE ROLE {ROLE} WITH PASSWORD = %s AND LOGIN = true", (CASSANDRA_PASSWORD,), timeout=SCHEMA_TIMEOUT
        )
    finally:
        cluster.shutdown()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    yield from capturing_every_log(caplog)


def clients(factory: DAOFactory) -> list[Any]:
    """The node's view of the connections of its clients (only this factory's)."""
    session = backend_of(factory).connection.session()
    return list(session.execute("SELECT ssl_enabled, username FROM system_views.clients"))


def checks_host_names(factory: DAOFactory) -> bool:
    """Whether the TLS context of the driver cluster the factory connected with checks host names."""
    cluster = cqlengine.get_connection(backend_of(factory).connection.cqlengine_name).cluster
    return bool(cluster.ssl_context.check_hostname)


def test_a_verified_tls_connection_with_a_client_certificate_and_a_password(
    served: Served, logs: pytest.LogCaptureFixture
) -> None:
    with create_factory(served.verified(offset_secret=OFFSET_SECRET), plugins=[]) as factory:
        factory.run_migrations()
        consumer = factory.consumers.insert({"username": "over-tls"})
        assert factory.consumers.find({"id": consumer["id"]}) == consumer
        seen = clients(factory)
        assert checks_host_names(factory)  # the node's certificate names 127.0.0.1
        for shown in (factory.config, factory, factory.backend, *vars(factory.backend).values()):
            assert_hidden(repr(shown))
    assert seen and all(row["ssl_enabled"] and row["username"] == ROLE for row in seen), seen


def test_a_client_key_under_a_passphrase_opens_with_ssl_key_password(
    served: Served, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    encrypted = tmp_path / "client-encrypted.key"
    subprocess.run(["openssl", "pkey", "-in", str(served.certificates.client.key), "-aes256",
                    "-passout", f"pass:{CASSANDRA_PASSWORD}", "-out", str(encrypted)], check=True, capture_output=True)
    url = served.verified(ssl_key=encrypted, ssl_key_password=CASSANDRA_PASSWORD)
    with create_factory(url, plugins=[]) as factory:
        seen = clients(factory)
        for shown in (factory.config, factory, factory.backend, *vars(factory.backend).values()):
            assert_hidden(repr(shown))
    assert seen and all(row["ssl_enabled"] and row["username"] == ROLE for row in seen), seen


def test_the_host_name_check_can_be_left_out(served: Served) -> None:
    with create_factory(served.verified(ssl_verify_hostname="false"), plugins=[]) as factory:
        assert clients(factory)
        assert not checks_host_names(factory)


def failure(url: str) -> DatabaseError:
    with create_factory(url, plugins=[]) as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert_hidden(described(raised.value))
    return raised.value


def test_another_authority_fails_clearly(served: Served, logs: pytest.LogCaptureFixture) -> None:
    error = failure(served.verified(ssl_certificate_authority=served.certificates.other_authority))
    assert str(error).startswith("[cassandra error]") and "certificate verify failed" in str(error)


def test_a_revocation_list_refuses_a_revoked_node_certificate(served: Served, tmp_path: Path) -> None:
    certificates = served.certificates
    revoked = revocation_list(certificates, tmp_path / "revoked", [certificates.server.certificate])
    error = str(failure(served.verified(ssl_crl=revoked)))
    assert error.startswith("[cassandra error]") and "certificate revoked" in error, error


def test_a_revocation_list_lets_a_node_certificate_it_does_not_revoke_through(served: Served, tmp_path: Path) -> None:
    certificates = served.certificates
    others = revocation_list(certificates, tmp_path / "others", [certificates.client.certificate])
    with create_factory(served.verified(ssl_crl=others), plugins=[]) as factory:
        seen = clients(factory)
    assert seen and all(row["ssl_enabled"] for row in seen), seen


def test_without_a_client_certificate_the_node_refuses(served: Served, logs: pytest.LogCaptureFixture) -> None:
    url = served.url(ssl="true", ssl_verify="true", ssl_certificate_authority=served.certificates.authority)
    error = str(failure(url))
    # under TLS 1.3 the client learns of the refusal after its handshake: as the node's
    # alert, or as the connection closing under its first write, whichever comes first
    assert f"127.0.0.1:{served.node.port}" in error
    assert "certificate required" in error or "EOF occurred in violation of protocol" in error, error


def test_a_wrong_password_fails_and_shows_no_secret(served: Served, logs: pytest.LogCaptureFixture) -> None:
    # the wrong password is a secret too: neither may show
    error = failure(served.verified().replace(CASSANDRA_PASSWORD, OFFSET_SECRET))
    assert "Provided username keeper and/or password are incorrect" in str(error)
