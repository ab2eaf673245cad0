"""basic-auth: authenticate consumers by username and password.

Passwords are stored as salted scrypt digests (standard library), never in
clear: ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64 parts). A value already
in that form is taken as a stored digest and kept, so a row read and written
back keeps its password; :func:`verify_password` checks a password against a
credential.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kong_orm.plugins.fields import consumer_field
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, Schema
from kong_orm.schema.fields import Field, Kind

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
"""Cost parameters of new digests (about 16 MiB and tens of milliseconds per hash)."""
_SALT_BYTES = 16
_DIGEST = re.compile(r"^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


def hash_password(password: str) -> str:
    """A salted scrypt digest of ``password``; a digest is returned unchanged."""
    if _DIGEST.match(password):
        return password
    salt = os.urandom(_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(credential: Mapping[str, Any], password: str) -> bool:
    """Whether ``password`` is the one stored (as a digest) in a basic-auth ``credential``."""
    found = _DIGEST.match(credential.get("password") or "")
    if found is None or not isinstance(password, str):
        return False
    n, r, p = (int(part) for part in found.groups()[:3])
    salt, expected = base64.b64decode(found[4]), base64.b64decode(found[5])
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


BASICAUTH_CREDENTIALS = Entity(
    name="basicauth_credentials",
    fields=(
        id_field(),
        created_at_field(),
        consumer_field(),
        Field("username", Kind.STRING, required=True, unique=True),
        Field("password", Kind.STRING, normalize=hash_password),
    ),
)

PLUGIN = Plugin(
    name="basic-auth",
    no_consumer=True,
    config=Schema(fields=(Field("hide_credentials", Kind.BOOLEAN, default=False),)),
    entities=(BASICAUTH_CREDENTIALS,),
    migrations=Path(__file__).parent / "migrations" / "basic_auth",
)
