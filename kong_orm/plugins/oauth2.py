"""oauth2: issue and check OAuth 2.0 tokens; its credentials, authorization codes and tokens.

Codes and tokens are meant to be inserted with a TTL by their users (Kong
used 300 s for codes, 14 days for expiring tokens).

Decisions on Kong 0.8's quirks:

- ``provision_key`` is generated (32 hex digits) when absent or blank, and kept
  when given. Kong declared it unique without enforcing it; it is not unique
  here either, since a config value is no column a store can constrain.
- ``enable_authorization_code`` defaults to true and all four flows may be
  disabled, as in 0.8 (later versions changed both).
- ``mandatory_scope`` is checked against the merged config on a partial
  update, so scopes stored earlier count.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kong_orm.plugins.checks import one_of
from kong_orm.plugins.fields import consumer_field, random_key
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entities.common import created_at_field, id_field
from kong_orm.schema.entity import Entity, Schema
from kong_orm.schema.fields import Field, Kind


def scopes_for_mandatory_scope(value: Any, config: Mapping[str, Any]) -> str | None:
    if value and config.get("scopes") is None:
        return "To set a mandatory scope you also need to create available scopes"
    return None


def check_redirect_uris(uris: list[Any], row: Mapping[str, Any]) -> str | None:
    """At least one URI; each with a scheme and a host, and no fragment."""
    if not uris:
        return "at least one URI is required"
    for uri in uris:
        try:
            parts = urlsplit(uri) if isinstance(uri, str) else None
        except ValueError:
            parts = None
        if parts is None or not parts.scheme or not parts.hostname:
            return f"cannot parse '{uri}'"
        if "#" in uri:
            return f"fragment not allowed in '{uri}'"
    return None


OAUTH2_CREDENTIALS = Entity(
    name="oauth2_credentials",
    fields=(
        id_field(),
        created_at_field(),
        consumer_field(),
        Field("name", Kind.STRING, required=True),
        Field("client_id", Kind.STRING, unique=True, default=random_key),
        Field("client_secret", Kind.STRING, unique=True, default=random_key),
        Field("redirect_uri", Kind.ARRAY, required=True, check=check_redirect_uris),
    ),
)

OAUTH2_AUTHORIZATION_CODES = Entity(
    name="oauth2_authorization_codes",
    fields=(
        id_field(),
        created_at_field(),
        Field("code", Kind.STRING, unique=True, immutable=True, default=random_key),
        Field("authenticated_userid", Kind.STRING),
        Field("scope", Kind.STRING),
    ),
)

OAUTH2_TOKENS = Entity(
    name="oauth2_tokens",
    fields=(
        id_field(),
        created_at_field(),
        Field("credential_id", Kind.ID, required=True, foreign="oauth2_credentials.id"),
        Field("token_type", Kind.STRING, required=True, default="bearer", check=one_of("bearer")),
        Field("expires_in", Kind.NUMBER, required=True),
        Field("access_token", Kind.STRING, unique=True, default=random_key),
        Field("refresh_token", Kind.STRING, unique=True),
        Field("authenticated_userid", Kind.STRING),
        Field("scope", Kind.STRING),
    ),
)

PLUGIN = Plugin(
    name="oauth2",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("scopes", Kind.ARRAY),
            Field("mandatory_scope", Kind.BOOLEAN, required=True, default=False, check=scopes_for_mandatory_scope),
            Field("provision_key", Kind.STRING, default=random_key),
            Field("token_expiration", Kind.NUMBER, required=True, default=7200),
            Field("enable_authorization_code", Kind.BOOLEAN, required=True, default=True),
            Field("enable_implicit_grant", Kind.BOOLEAN, required=True, default=False),
            Field("enable_client_credentials", Kind.BOOLEAN, required=True, default=False),
            Field("enable_password_grant", Kind.BOOLEAN, required=True, default=False),
            Field("hide_credentials", Kind.BOOLEAN, default=False),
            Field("accept_http_if_already_terminated", Kind.BOOLEAN, default=False),
        )
    ),
    entities=(OAUTH2_CREDENTIALS, OAUTH2_AUTHORIZATION_CODES, OAUTH2_TOKENS),
    migrations=Path(__file__).parent / "migrations" / "oauth2",
)
