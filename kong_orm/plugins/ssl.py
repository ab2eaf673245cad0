"""ssl: serve an API over HTTPS with its own certificate.

``cert`` must hold PEM certificates (a chain is allowed) and ``key`` a PEM
private key (PKCS#8, RSA or EC, unencrypted); otherwise Kong's messages
``Invalid SSL certificate`` / ``Invalid SSL certificate key``. ``_cert_der_cache``
and ``_key_der_cache`` (the gateway loads these) are filled with base64 of the
DER when absent, as Kong did.

Deviations from Kong 0.8, which parsed with OpenSSL:

- Only the PEM armour and the outer DER structure are checked (a certificate
  whose inner fields are damaged passes): a full parse needs a crypto library,
  which kong_orm does not depend on.
- Kong recomputed the caches on every validation; here a cache already stored
  is kept by a partial update, so an update that replaces ``cert`` or ``key``
  should send the matching cache as ``None`` to have it recomputed.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Any

from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Check, Field, Kind

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
CERTIFICATE_LABELS = frozenset({"CERTIFICATE"})
KEY_LABELS = frozenset({"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"})


def pem_to_der(text: Any, labels: frozenset[str], *, first_only: bool = False) -> bytes | None:
    """The DER bytes of the PEM blocks in ``text``, or ``None`` unless each is a well-formed ``labels`` block."""
    if not isinstance(text, str):
        return None
    ders = []
    for block in list(_PEM_BLOCK.finditer(text))[: 1 if first_only else None]:
        der = _block_der(block) if block[1] in labels else None
        if der is None:
            return None
        ders.append(der)
    return b"".join(ders) or None


def _block_der(block: re.Match[str]) -> bytes | None:
    try:
        der = base64.b64decode("".join(block[2].split()), validate=True)
    except binascii.Error:
        return None
    return der if _is_der_sequence(der) else None


def _is_der_sequence(der: bytes) -> bool:
    """Whether ``der`` is exactly one DER SEQUENCE whose length spans it."""
    if len(der) < 2 or der[0] != 0x30:
        return False
    if der[1] < 0x80:
        return len(der) == 2 + der[1]
    size = der[1] & 0x7F
    return 0 < size <= 4 and len(der) == 2 + size + int.from_bytes(der[2 : 2 + size], "big")


def _pem_check(labels: frozenset[str], message: str, *, first_only: bool) -> Check:
    def check(value: Any, config: Mapping[str, Any]) -> str | None:
        if value is None or pem_to_der(value, labels, first_only=first_only) is not None:
            return None
        return message

    return check


def _der_cache_of(source: str, labels: frozenset[str], *, first_only: bool) -> Callable[[Mapping[str, Any]], Any]:
    def default(config: Mapping[str, Any]) -> str | None:
        der = pem_to_der(config.get(source), labels, first_only=first_only)
        return None if der is None else base64.b64encode(der).decode("ascii")

    return default


CERT_CHECK = _pem_check(CERTIFICATE_LABELS, "Invalid SSL certificate", first_only=False)
KEY_CHECK = _pem_check(KEY_LABELS, "Invalid SSL certificate key", first_only=True)

PLUGIN = Plugin(
    name="ssl",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("cert", Kind.STRING, required=True, check=CERT_CHECK),
            Field("key", Kind.STRING, required=True, check=KEY_CHECK),
            Field("only_https", Kind.BOOLEAN, default=False),
            Field("accept_http_if_already_terminated", Kind.BOOLEAN, default=False),
            Field("_cert_der_cache", Kind.STRING, default=_der_cache_of("cert", CERTIFICATE_LABELS, first_only=False)),
            Field("_key_der_cache", Kind.STRING, default=_der_cache_of("key", KEY_LABELS, first_only=True)),
        )
    ),
)
