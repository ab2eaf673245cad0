"""TLS options reach libpq: a private PostgreSQL serving TLS with a throwaway
authority. A factory verifying the server (``sslmode=verify-full``) with
that authority and presenting a client certificate works over TLS; with
another authority, or a revocation list revoking the server's certificate, it
fails with a DatabaseError that shows no secret."""
from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kong_orm import DAOFactory, DatabaseError, create_factory
from tests.certificates import CLIENT_NAME, Certificates, make_certificates, revocation_list
from tests.leaks import OFFSET_SECRET, PG_PASSWORD, assert_hidden, capturing_every_log, described
from tests.servers import postgres
from tests.servers._common import ServerTls, free_port
from tests.sql.private_server import PrivateServer

pytestmark = pytest.mark.only_on("postgres")

ROLE = "keeper"


@dataclass
class TlsServer(PrivateServer):
    """A private server serving TLS with ``tls``."""

    tls: ServerTls | None = None

    def start(self) -> None:
        with self._selected():
            postgres.start(tls=self.tls)


@dataclass(frozen=True)
class Served:
    server: TlsServer
    certificates: Certificates

    def url(self, **options: object) -> str:
        """The URL of the role whose password is the secret, over TLS with ``options``."""
        query = "&".join(f"{name}={value}" for name, value in options.items())
        return f"postgresql://{ROLE}:{PG_PASSWORD}@127.0.0.1:{self.server.port}/{ROLE}?purge_interval=0&{query}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    certificates = make_certificates(tmp_path_factory.mktemp("certificates"))
    tls = ServerTls(certificates.server.certificate, certificates.server.key, certificates.authority)
    server = TlsServer(free_port(), tmp_path_factory.mktemp("tls-postgres"), tls)
    server.start()
    try:
        server.create_role(ROLE, PG_PASSWORD)
        yield Served(server, certificates)
    finally:
        server.stop()
        server.remove()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    yield from capturing_every_log(caplog)


def verified(served: Served, **options: object) -> str:
    return served.url(sslmode="verify-full", sslrootcert=served.certificates.authority, **options)


def connection_tls(factory: DAOFactory) -> Any:
    """What the server says about the TLS of this factory's connections."""
    return factory.backend.store.read(  # type: ignore[attr-defined]
        lambda conn: conn.exec_driver_sql(
            "SELECT ssl, client_dn, (SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)"
            "  WHERE datname = current_database() AND NOT ssl) AS plain"
            " FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).one()
    )


def test_verify_full_with_the_authority_and_a_client_certificate(
    served: Served, logs: pytest.LogCaptureFixture
) -> None:
    client = served.certificates.client
    url = verified(served, sslcert=client.certificate, sslkey=client.key, offset_secret=OFFSET_SECRET)
    with create_factory(url, plugins=[]) as factory:
        factory.run_migrations()
        consumer = factory.consumers.insert({"username": "over-tls"})
        assert factory.consumers.find({"id": consumer["id"]}) == consumer
        ssl, client_dn, plain = connection_tls(factory)
    assert ssl is True and client_dn == f"/CN={CLIENT_NAME}"
    assert plain == 0, "a connection to the database without TLS"


def test_a_client_key_under_a_passphrase_opens_with_sslpassword(
    served: Served, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    client = served.certificates.client
    encrypted = tmp_path / "client-encrypted.key"
    subprocess.run(["openssl", "pkey", "-in", str(client.key), "-aes256", "-passout", f"pass:{PG_PASSWORD}",
                    "-out", str(encrypted)], check=True, capture_output=True)
    url = verified(served, sslcert=client.certificate, sslkey=encrypted, sslpassword=PG_PASSWORD)
    with create_factory(url, plugins=[]) as factory:
        ssl, client_dn, _ = connection_tls(factory)
        assert_hidden(repr(factory.config))
    assert ssl is True and client_dn == f"/CN={CLIENT_NAME}"


def test_verify_full_without_a_client_certificate(served: Served) -> None:
    with create_factory(verified(served), plugins=[]) as factory:
        ssl, client_dn, _ = connection_tls(factory)
    assert ssl is True and client_dn is None


def test_another_authority_fails_clearly_and_shows_no_secret(served: Served, logs: pytest.LogCaptureFixture) -> None:
    url = served.url(sslmode="verify-full", sslrootcert=served.certificates.other_authority)
    with create_factory(url, plugins=[]) as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert str(raised.value).startswith("[postgres error]")
    assert "certificate verify failed" in str(raised.value)
    assert_hidden(described(raised.value))


def test_a_revocation_list_refuses_a_revoked_server_certificate(served: Served, tmp_path: Path) -> None:
    certificates = served.certificates
    revoked = revocation_list(certificates, tmp_path / "revoked", [certificates.server.certificate])
    url = verified(served, sslcrl=revoked)
    with create_factory(url, plugins=[]) as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert str(raised.value).startswith("[postgres error]")
    assert "certificate verify failed" in str(raised.value)  # libpq does not say why; the next test shows


def test_a_revocation_list_lets_a_server_certificate_it_does_not_revoke_through(served: Served, tmp_path: Path) -> None:
    certificates = served.certificates
    others = revocation_list(certificates, tmp_path / "others", [certificates.client.certificate])
    with create_factory(verified(served, sslcrl=others), plugins=[]) as factory:
        ssl, _, _ = connection_tls(factory)
    assert ssl is True


def test_a_wrong_password_over_tls_shows_no_secret(served: Served, logs: pytest.LogCaptureFixture) -> None:
    wrong = verified(served).replace(PG_PASSWORD, OFFSET_SECRET)  # a secret too: neither may show
    with create_factory(wrong, plugins=[]) as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert "password authentication failed" in str(raised.value)
    assert_hidden(described(raised.value))
