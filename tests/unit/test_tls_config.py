"""TLS and credential options: what fits together, checked when the config is
made, the same way for URLs and dicts, each refusal a ConfigError naming an option."""
from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kong_orm import Config, ConfigError, create_factory
from kong_orm.backends.cassandra.connection import ssl_context
from kong_orm.backends.cassandra.settings import CassandraSettings
from kong_orm.backends.sql.engine import database_url
from tests.certificates import Certificates, make_certificates, revocation_list


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="module")
def encrypted_key(certificates: Certificates) -> Path:
    """The client's key under a passphrase (no option gives one)."""
    path = certificates.client.key.with_name("client-encrypted.key")
    subprocess.run(["openssl", "pkey", "-in", str(certificates.client.key), "-aes256", "-passout", "pass:x",
                    "-out", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def crl(certificates: Certificates) -> Path:
    return revocation_list(certificates, certificates.authority.parent / "crl", [certificates.server.certificate])


def files(certificates: Certificates, encrypted_key: Path) -> dict[str, Path]:
    return {
        "ca": certificates.authority,
        "crl": certificates.authority.parent / "crl" / "crl.pem",
        "cert": certificates.client.certificate,
        "key": certificates.client.key,
        "other_key": certificates.server.key,
        "encrypted_key": encrypted_key,
        "missing": certificates.authority.with_name("missing.pem"),
        "folder": certificates.authority.parent,
    }


def refused(make: Any) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        make()
    return raised.value


# ---- PostgreSQL -----------------------------------------------------------------------------------

PG = "postgresql://kong@db/kong?"


def test_postgres_tls_options_reach_the_engine_url(certificates: Certificates) -> None:
    query = (f"sslmode=verify-full&sslrootcert={certificates.authority}"
             f"&sslcert={certificates.client.certificate}&sslkey={certificates.client.key}")
    url = database_url(Config.from_url(PG + query))
    assert dict(url.query) == {
        "sslmode": "verify-full",
        "sslrootcert": str(certificates.authority),
        "sslcert": str(certificates.client.certificate),
        "sslkey": str(certificates.client.key),
    }


def test_a_postgres_revocation_list_reaches_the_engine_url(certificates: Certificates, crl: Path) -> None:
    url = database_url(Config.from_url(PG + f"sslmode=verify-ca&sslrootcert={certificates.authority}&sslcrl={crl}"))
    assert url.query["sslcrl"] == str(crl)


def test_postgres_system_roots_need_no_file() -> None:
    assert Config.from_url(PG + "sslmode=verify-full&sslrootcert=system").options["sslrootcert"] == "system"


@pytest.mark.parametrize(
    "query, option, message",
    [
        ("sslrootcert={ca}", "sslrootcert",
         "option 'sslrootcert' needs sslmode require, verify-ca or verify-full (sslmode is not set, which may "
         "connect without TLS)"),
        ("sslmode=prefer&sslrootcert={ca}", "sslrootcert", "option 'sslrootcert' needs sslmode require"),
        ("sslmode=disable&sslcert={cert}&sslkey={key}", "sslcert", "option 'sslcert' needs sslmode require"),
        ("sslmode=require&sslcert={cert}", "sslkey",
         "option 'sslcert' needs 'sslkey': a client certificate goes with its private key"),
        ("sslmode=require&sslkey={key}", "sslcert", "option 'sslkey' needs 'sslcert'"),
        ("sslmode=verify-full&sslrootcert={missing}", "sslrootcert",
         "option 'sslrootcert': cannot read '{missing}' (No such file or directory)"),
        ("sslmode=verify-full&sslrootcert={folder}", "sslrootcert", "option 'sslrootcert': cannot read '{folder}'"),
        ("sslmode=verify-full&sslrootcert={key}", "sslrootcert", "option 'sslrootcert': '{key}' holds no PEM"),
        ("sslmode=require&sslcert={key}&sslkey={key}", "sslcert", "option 'sslcert': '{key}' holds no PEM"),
        ("sslmode=require&sslcert={cert}&sslkey={other_key}", "sslkey",
         "option 'sslkey': '{other_key}' is not the PEM private key of the certificate in 'sslcert'"),
        ("sslmode=require&sslcert={cert}&sslkey={encrypted_key}", "sslpassword",
         "option 'sslkey': '{encrypted_key}' is encrypted: give its passphrase as 'sslpassword'"),
        ("sslmode=require&sslcert={cert}&sslkey={encrypted_key}&sslpassword=wrong", "sslkey",
         "option 'sslkey': '{encrypted_key}' is not the PEM private key (opened by 'sslpassword') of the "
         "certificate in 'sslcert'"),
        ("sslmode=require&sslpassword=x", "sslkey",
         "option 'sslpassword' needs 'sslkey': it opens an encrypted private key"),
        ("sslpassword=x", "sslpassword", "option 'sslpassword' needs sslmode require"),
        ("sslmode=require&sslcert={cert}&sslkey={missing}", "sslkey", "option 'sslkey': cannot read '{missing}'"),
        ("sslmode=maybe", "sslmode", "option 'sslmode' takes one of disable, allow, prefer, require, verify-ca"),
        ("sslcrl={crl}", "sslcrl", "option 'sslcrl' needs sslmode require, verify-ca or verify-full"),
        ("sslmode=require&sslcrl={crl}", "sslcrl",
         "option 'sslcrl' needs sslmode verify-ca or verify-full (sslmode is 'require', which does not verify the "
         "server's certificate, so no list would be checked)"),
        ("sslmode=verify-ca&sslcrl={ca}", "sslcrl", "option 'sslcrl': '{ca}' holds no PEM certificate revocation list"),
        ("sslmode=verify-ca&sslcrl={missing}", "sslcrl", "option 'sslcrl': cannot read '{missing}'"),
        ("sslmode=require&sslrootcert=system", "sslrootcert",
         "option 'sslrootcert' is 'system' (the system's roots), which needs sslmode verify-full (sslmode is "
         "'require'; libpq refuses the system's roots without the host name check)"),
        ("sslmode=verify-ca&sslrootcert=system", "sslrootcert",
         "option 'sslrootcert' is 'system' (the system's roots), which needs sslmode verify-full (sslmode is "
         "'verify-ca';"),
        ("sslrootcert=system", "sslrootcert", "option 'sslrootcert' needs sslmode require, verify-ca or verify-full"),
    ],
)
def test_postgres_tls_options_that_do_not_fit_are_refused(
    query: str, option: str, message: str, certificates: Certificates, encrypted_key: Path, crl: Path
) -> None:
    paths = files(certificates, encrypted_key)
    error = refused(lambda: Config.from_url(PG + query.format(**paths)))
    assert (error.option, str(error)[: len(message.format(**paths))]) == (option, message.format(**paths))


def test_postgres_tls_options_are_checked_in_dicts_too(certificates: Certificates) -> None:
    section = {"sslmode": "prefer", "sslrootcert": str(certificates.authority)}
    error = refused(lambda: Config.from_dict({"database": "postgres", "postgres": section}))
    assert error.option == "sslrootcert"


# ---- Cassandra ------------------------------------------------------------------------------------

CASSANDRA = "cassandra://127.0.0.1/kong?"


@pytest.mark.parametrize(
    "options, option, message",
    [
        ({"password": "pw"}, "username", "option 'password' needs 'username': give both or neither"),
        ({"username": "kong"}, "password", "option 'username' needs 'password': give both or neither"),
        ({"ssl_certificate_authority": "{ca}"}, "ssl_certificate_authority",
         "option 'ssl_certificate_authority' needs TLS on (ssl=true, or enabled: true in the ssl mapping)"),
        ({"ssl": False, "ssl_verify": True}, "ssl_verify", "option 'ssl_verify' needs TLS on"),
        ({"ssl_certificate": "{cert}", "ssl_key": "{key}"}, "ssl_certificate", "option 'ssl_certificate' needs TLS"),
        ({"ssl": {"enabled": False, "verify": True}}, "ssl.verify", "option 'ssl.verify' needs TLS on"),
        ({"ssl": True, "ssl_certificate_authority": "{ca}"}, "ssl_certificate_authority",
         "option 'ssl_certificate_authority' is used to verify the nodes' certificates: it needs ssl_verify=true"),
        ({"ssl": True, "ssl_verify_hostname": True}, "ssl_verify_hostname",
         "option 'ssl_verify_hostname' is used to verify"),
        ({"ssl": {"enabled": True, "certificate_authority": "{ca}"}}, "ssl.certificate_authority",
         "option 'ssl.certificate_authority' is used to verify"),
        ({"ssl": {"enabled": True}, "ssl_verify": True}, "ssl_verify",
         "option 'ssl_verify' cannot be given beside an 'ssl' mapping: put it in the mapping"),
        ({"ssl": True, "ssl_certificate": "{cert}"}, "ssl_key",
         "option 'ssl_certificate' needs 'ssl_key': a client certificate goes with its private key"),
        ({"ssl": {"enabled": True, "key": "{key}"}}, "ssl.certificate", "option 'ssl.key' needs 'ssl.certificate'"),
        ({"ssl": True, "ssl_verify": True, "ssl_certificate_authority": "{missing}"}, "ssl_certificate_authority",
         "option 'ssl_certificate_authority': cannot read '{missing}' (No such file or directory)"),
        ({"ssl": {"enabled": True, "verify": True, "certificate_authority": "{key}"}}, "ssl.certificate_authority",
         "option 'ssl.certificate_authority': '{key}' holds no PEM certificate"),
        ({"ssl": True, "ssl_certificate": "{cert}", "ssl_key": "{other_key}"}, "ssl_key",
         "option 'ssl_key': '{other_key}' is not the PEM private key of the certificate in 'ssl_certificate'"),
        ({"ssl": True, "ssl_certificate": "{cert}", "ssl_key": "{encrypted_key}"}, "ssl_key_password",
         "option 'ssl_key': '{encrypted_key}' is encrypted: give its passphrase as 'ssl_key_password'"),
        ({"ssl": {"enabled": True, "certificate": "{cert}", "key": "{encrypted_key}", "key_password": "wrong"}},
         "ssl.key", "option 'ssl.key': '{encrypted_key}' is not the PEM private key (opened by 'ssl.key_password')"),
        ({"ssl": True, "ssl_key_password": "x"}, "ssl_key",
         "option 'ssl_key_password' needs 'ssl_key': it opens an encrypted private key"),
        ({"ssl_key_password": "x"}, "ssl_key_password", "option 'ssl_key_password' needs TLS on"),
        ({"ssl_crl": "{crl}"}, "ssl_crl", "option 'ssl_crl' needs TLS on"),
        ({"ssl": True, "ssl_crl": "{crl}"}, "ssl_crl", "option 'ssl_crl' is used to verify the nodes' certificates"),
        ({"ssl": {"enabled": True, "verify": True, "crl": "{ca}"}}, "ssl.crl",
         "option 'ssl.crl': '{ca}' holds no PEM certificate revocation list"),
        ({"ssl": True, "ssl_verify": True, "ssl_crl": "{folder}"}, "ssl_crl", "option 'ssl_crl': cannot read"),
    ],
)
def test_cassandra_options_that_do_not_fit_are_refused(
    options: dict[str, Any], option: str, message: str, certificates: Certificates, encrypted_key: Path, crl: Path
) -> None:
    paths = files(certificates, encrypted_key)
    given = {name: _formatted(value, paths) for name, value in options.items()}
    error = refused(lambda: Config("cassandra", options=given))
    assert (error.option, str(error)[: len(message.format(**paths))]) == (option, message.format(**paths))


def _formatted(value: Any, paths: dict[str, Path]) -> Any:
    if isinstance(value, dict):
        return {key: _formatted(item, paths) for key, item in value.items()}
    return value.format(**paths) if isinstance(value, str) else value


def test_a_cassandra_password_without_username_in_a_url_fails_when_the_factory_is_made() -> None:
    error = refused(lambda: create_factory("cassandra://:casS3cretPW@127.0.0.1/kong"))
    assert error.option == "username" and "casS3cretPW" not in str(error)


@pytest.mark.parametrize(
    "ssl",
    [
        {"enabled": False, "verify": False},
        {"enabled": False, "certificate_authority": None},
        {"enabled": True, "verify": True, "verify_hostname": False},
        {"enabled": True, "verify": False, "verify_hostname": False},
    ],
)
def test_cassandra_ssl_mappings_that_fit(ssl: dict[str, Any]) -> None:
    assert Config("cassandra", options={"ssl": ssl}).options["ssl"] == {k: v for k, v in ssl.items() if v is not None}


def test_cassandra_tls_options_in_a_url(certificates: Certificates) -> None:
    query = (f"ssl=true&ssl_verify=true&ssl_verify_hostname=false&ssl_certificate_authority={certificates.authority}"
             f"&ssl_certificate={certificates.client.certificate}&ssl_key={certificates.client.key}")
    options = Config.from_url(CASSANDRA + query).options
    assert options["ssl_verify_hostname"] is False and options["ssl_key"] == str(certificates.client.key)


def test_a_cassandra_revocation_list_makes_the_context_check_the_nodes_certificates(crl: Path) -> None:
    def context(**options: Any) -> ssl.SSLContext:
        made = ssl_context(CassandraSettings.from_config(Config("cassandra", options=options)).ssl)
        assert made is not None
        return made

    for checking in (context(ssl=True, ssl_verify=True, ssl_crl=str(crl)),
                     context(ssl={"enabled": True, "verify": True, "crl": str(crl)})):
        assert checking.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF and checking.cert_store_stats()["crl"] == 1
    assert not context(ssl=True, ssl_verify=True).verify_flags & ssl.VERIFY_CRL_CHECK_LEAF


PASSPHRASE = "x"
"""What :func:`encrypted_key` encrypted the key with."""


def test_postgres_encrypted_key_with_its_passphrase_reaches_libpq_masked(
    certificates: Certificates, encrypted_key: Path
) -> None:
    query = (f"sslmode=require&sslcert={certificates.client.certificate}&sslkey={encrypted_key}"
             f"&sslpassword={PASSPHRASE}")
    config = Config.from_url(PG + query)
    assert dict(database_url(config).query)["sslpassword"] == PASSPHRASE
    assert repr(config.options["sslpassword"]) == "'***'"
    assert "sslpassword=***" in repr(config.url) and "sslpassword=x" not in repr(config)


def test_cassandra_encrypted_key_with_its_passphrase_opens_in_the_tls_context(
    certificates: Certificates, encrypted_key: Path
) -> None:
    from kong_orm.backends.cassandra.connection import ssl_context
    from kong_orm.backends.cassandra.settings import CassandraSettings

    ssl = {"enabled": True, "certificate": str(certificates.client.certificate), "key": str(encrypted_key),
           "key_password": PASSPHRASE}
    config = Config("cassandra", options={"ssl": ssl})
    assert repr(config.options["ssl"]["key_password"]) == "'***'"
    assert ssl_context(CassandraSettings.from_config(config).ssl) is not None
    flat = Config.from_url(CASSANDRA + f"ssl=true&ssl_certificate={certificates.client.certificate}"
                           f"&ssl_key={encrypted_key}&ssl_key_password={PASSPHRASE}")
    assert ssl_context(CassandraSettings.from_config(flat).ssl) is not None
