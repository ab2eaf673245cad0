"""Throwaway TLS files for the tests: a certificate authority, a server and a
client certificate it signed, and a second authority that signed neither.
Made with the ``openssl`` command (RSA keys, unencrypted PKCS#8 PEM), valid
for two days; :func:`revocation_list` writes the authority's CRL revoking some.
"""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SERVER_NAMES = "IP:127.0.0.1,DNS:localhost"
CLIENT_NAME = "kong_orm-client"

_AUTHORITY_EXTENSIONS = (
    "basicConstraints = critical, CA:TRUE",
    "keyUsage = critical, keyCertSign, cRLSign",
    "subjectKeyIdentifier = hash",
)
_LEAF_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = {usage}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
{names}"""


@dataclass(frozen=True)
class Pair:
    """A certificate and its private key (PEM files)."""

    certificate: Path
    key: Path


@dataclass(frozen=True)
class Certificates:
    """What :func:`make_certificates` wrote."""

    authority: Path
    server: Pair
    client: Pair
    other_authority: Path
    authority_key: Path


def make_certificates(folder: Path) -> Certificates:
    """Write a CA, a server certificate for 127.0.0.1 and localhost, a client
    certificate (``CN=kong_orm-client``) and an unrelated CA into ``folder``."""
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is needed to make test certificates")
    folder.mkdir(parents=True, exist_ok=True)
    authority = _authority(folder, "ca", "kong_orm test CA")
    server = _leaf(folder, "server", "localhost", authority, usage="serverAuth", names=SERVER_NAMES, serial=2)
    client = _leaf(folder, "client", CLIENT_NAME, authority, usage="clientAuth", names=None, serial=3)
    other = _authority(folder, "other-ca", "kong_orm unrelated CA")
    return Certificates(authority.certificate, server, client, other.certificate, authority.key)


_CA_DATABASE = """\
[ca]
default_ca = authority
[authority]
database = {folder}/index.txt
crlnumber = {folder}/crlnumber
default_md = sha256
default_crl_days = 2
"""


def revocation_list(certificates: Certificates, folder: Path, revoked: Sequence[Path]) -> Path:
    """Write into ``folder`` (its own: it holds the list's records) the authority's PEM
    certificate revocation list revoking the ``revoked`` certificates (none: an empty list)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.txt").write_text("")
    (folder / "crlnumber").write_text("01\n")
    config = folder / "ca.cnf"
    config.write_text(_CA_DATABASE.format(folder=folder))
    signer = ("-config", config, "-cert", certificates.authority, "-keyfile", certificates.authority_key)
    for certificate in revoked:
        _openssl("ca", *signer, "-revoke", certificate)
    crl = folder / "crl.pem"
    _openssl("ca", *signer, "-gencrl", "-out", crl)
    return crl


def _authority(folder: Path, name: str, common_name: str) -> Pair:
    pair = Pair(folder / f"{name}.crt", folder / f"{name}.key")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={common_name}",
             "-config", "/dev/null", "-keyout", pair.key, "-out", pair.certificate,
             *(argument for extension in _AUTHORITY_EXTENSIONS for argument in ("-addext", extension)))
    return pair


def _leaf(folder: Path, name: str, common_name: str, authority: Pair, *, usage: str, names: str | None,
          serial: int) -> Pair:
    pair = Pair(folder / f"{name}.crt", folder / f"{name}.key")
    request, extensions = folder / f"{name}.csr", folder / f"{name}.ext"
    extensions.write_text(_LEAF_EXTENSIONS.format(usage=usage, names=f"subjectAltName = {names}\n" if names else ""))
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={common_name}", "-config", "/dev/null",
             "-keyout", pair.key, "-out", request)
    _openssl("x509", "-req", "-in", request, "-CA", authority.certificate, "-CAkey", authority.key,
             "-set_serial", str(serial), "-days", "2", "-extfile", extensions, "-out", pair.certificate)
    return pair


def _openssl(*arguments: object) -> None:
    result = subprocess.run(["openssl", *map(str, arguments)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {arguments[0]} failed: {result.stderr.strip()}")
