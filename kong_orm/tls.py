"""TLS settings that only make sense together, checked when a config is made.

The same rules hold on every store: a TLS file must be a readable PEM file,
a client certificate comes with its private key (and the key's passphrase when
it is encrypted), a certificate revocation list is a PEM CRL checked only when
the server's certificate is verified, and a TLS setting given while TLS is off
or optional, or while nothing is verified, is refused rather than ignored.
Files are read with the standard ``ssl`` module, so a wrong path or file is a
:class:`~kong_orm.errors.ConfigError` naming its option, not a driver error
on first use.
"""
from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

from kong_orm.errors import ConfigError

POSTGRES_TLS_MODES = ("require", "verify-ca", "verify-full")
POSTGRES_TLS_OPTIONS = ("sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl")
POSTGRES_VERIFYING_MODES = ("verify-ca", "verify-full")
POSTGRES_SYSTEM_ROOTS = "system"
"""``sslrootcert=system``: libpq verifies against the system's trusted roots."""
POSTGRES_SYSTEM_ROOTS_MODE = "verify-full"
"""The only sslmode libpq accepts with the system's roots: any public certificate would pass otherwise."""

CASSANDRA_SSL_KEYS = (
    "enabled", "verify", "verify_hostname", "certificate_authority", "certificate", "key", "key_password", "crl",
)
CASSANDRA_FLAT = {key: f"ssl_{key}" for key in CASSANDRA_SSL_KEYS[1:]}
"""The ``ssl_*`` option that sets each key of the ``ssl`` mapping."""


def check_postgres(options: Mapping[str, Any]) -> None:
    """Refuse TLS files under an sslmode that may not use TLS, the system's roots without
    ``verify-full``, and files that cannot serve."""
    mode = options.get("sslmode")
    for name in POSTGRES_TLS_OPTIONS:
        if name in options and mode not in POSTGRES_TLS_MODES:
            shown = "not set" if mode is None else repr(mode)
            raise ConfigError(
                f"option {name!r} needs sslmode require, verify-ca or verify-full (sslmode is {shown}, "
                "which may connect without TLS)",
                option=name,
            )
    if "sslcrl" in options:
        if mode not in POSTGRES_VERIFYING_MODES:
            raise ConfigError(
                f"option 'sslcrl' needs sslmode verify-ca or verify-full (sslmode is {mode!r}, which does not "
                "verify the server's certificate, so no list would be checked)",
                option="sslcrl",
            )
        check_revocation_list(options["sslcrl"], "sslcrl")
    if options.get("sslrootcert") == POSTGRES_SYSTEM_ROOTS and mode != POSTGRES_SYSTEM_ROOTS_MODE:
        raise ConfigError(
            f"option 'sslrootcert' is 'system' (the system's roots), which needs sslmode {POSTGRES_SYSTEM_ROOTS_MODE} "
            f"(sslmode is {mode!r}; libpq refuses the system's roots without the host name check)",
            option="sslrootcert",
        )
    if options.get("sslrootcert", POSTGRES_SYSTEM_ROOTS) != POSTGRES_SYSTEM_ROOTS:
        check_authority(options["sslrootcert"], "sslrootcert")
    check_client_pair(options.get("sslcert"), options.get("sslkey"), ("sslcert", "sslkey"),
                      options.get("sslpassword"), "sslpassword")


def cassandra_ssl(options: Mapping[str, Any]) -> dict[str, Any]:
    """The Cassandra TLS settings given (keys of :data:`CASSANDRA_SSL_KEYS`), from the
    ``ssl`` mapping or from ``ssl`` and the ``ssl_*`` options, never both."""
    raw = options.get("ssl")
    flat = sorted(name for name in CASSANDRA_FLAT.values() if name in options)
    if isinstance(raw, Mapping):
        if flat:
            raise ConfigError(f"option {flat[0]!r} cannot be given beside an 'ssl' mapping: put it in the mapping",
                              option=flat[0])
        return dict(raw)
    given = {key: options[name] for key, name in CASSANDRA_FLAT.items() if name in options}
    return given if raw is None else {"enabled": raw, **given}


def check_cassandra(options: Mapping[str, Any]) -> None:
    """Refuse TLS settings that would be ignored, and files that cannot serve."""
    given = cassandra_ssl(options)
    mapping = isinstance(options.get("ssl"), Mapping)

    def name(key: str) -> str:
        return f"ssl.{key}" if mapping else CASSANDRA_FLAT[key]

    def refuse_any(keys: tuple[str, ...], why: str) -> None:
        for key in keys:
            if given.get(key) not in (False, None):
                raise ConfigError(f"option {name(key)!r} {why}", option=name(key))

    if not given.get("enabled", False):
        refuse_any(CASSANDRA_SSL_KEYS[1:], "needs TLS on (ssl=true, or enabled: true in the ssl mapping)")
    elif not given.get("verify", False):
        refuse_any(("verify_hostname", "certificate_authority", "crl"),
                   "is used to verify the nodes' certificates: it needs ssl_verify=true (verify: true)")
    if "certificate_authority" in given:
        check_authority(given["certificate_authority"], name("certificate_authority"))
    if "crl" in given:
        check_revocation_list(given["crl"], name("crl"))
    check_client_pair(given.get("certificate"), given.get("key"), (name("certificate"), name("key")),
                      given.get("key_password"), name("key_password"))


def check_authority(path: str, option: str) -> None:
    """:class:`ConfigError` naming ``option`` unless ``path`` is a readable file of PEM certificates."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError:
        raise ConfigError(f"option {option!r}: {path!r} holds no PEM certificate", option=option) from None
    except OSError as exc:
        raise _unreadable(option, path, exc) from None


CRL_MARKER = "-----BEGIN X509 CRL-----"


def check_revocation_list(path: str, option: str) -> None:
    """:class:`ConfigError` naming ``option`` unless ``path`` is a readable file holding a
    PEM certificate revocation list (certificates beside it are allowed, as OpenSSL reads them)."""
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            marked = CRL_MARKER in file.read()
        if marked:
            ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError:
        marked = False
    except OSError as exc:
        raise _unreadable(option, path, exc) from None
    if not marked:
        raise ConfigError(f"option {option!r}: {path!r} holds no PEM certificate revocation list", option=option)


def check_client_pair(
    certificate: str | None, key: str | None, options: tuple[str, str], passphrase: str | None, passphrase_option: str
) -> None:
    """Both or neither; the certificate a PEM file, the key its PEM private key, unencrypted
    or opened by ``passphrase`` (which needs a key)."""
    certificate_option, key_option = options
    if passphrase is not None and key is None:
        raise ConfigError(f"option {passphrase_option!r} needs {key_option!r}: it opens an encrypted private key",
                          option=key_option)
    if certificate is None and key is None:
        return
    if certificate is None or key is None:
        given, missing = (key_option, certificate_option) if certificate is None else options
        raise ConfigError(f"option {given!r} needs {missing!r}: a client certificate goes with its private key",
                          option=missing)
    check_authority(certificate, certificate_option)
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(certificate, key, password=passphrase or _encrypted)
    except _EncryptedKey:
        raise ConfigError(f"option {key_option!r}: {key!r} is encrypted: give its passphrase as "
                          f"{passphrase_option!r}", option=passphrase_option) from None
    except ssl.SSLError:
        opened = f"the PEM private key (opened by {passphrase_option!r})" if passphrase else "the PEM private key"
        raise ConfigError(
            f"option {key_option!r}: {key!r} is not {opened} of the certificate in {certificate_option!r}",
            option=key_option,
        ) from None
    except OSError as exc:
        raise _unreadable(key_option, key, exc) from None


class _EncryptedKey(Exception):
    pass


def _encrypted() -> bytes:
    # asked for a passphrase: the key is encrypted, and no option gives one (OpenSSL would prompt on a terminal)
    raise _EncryptedKey


def _unreadable(option: str, path: str, exc: OSError) -> ConfigError:
    return ConfigError(f"option {option!r}: cannot read {path!r} ({exc.strerror or exc})", option=option)
