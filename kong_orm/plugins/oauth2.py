"""oauth2: issue and check OAuth 2.0 tokens.

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

import uuid
from collections.abc import Mapping
from typing import Any

from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind


def scopes_for_mandatory_scope(value: Any, config: Mapping[str, Any]) -> str | None:
    if value and config.get("scopes") is None:
        return "To set a mandatory scope you also need to create available scopes"
    return None


def new_provision_key(config: Mapping[str, Any]) -> str:
    return uuid.uuid4().hex


PLUGIN = Plugin(
    name="oauth2",
    no_consumer=True,
    config=Schema(
        fields=(
            Field("scopes", Kind.ARRAY),
            Field("mandatory_scope", Kind.BOOLEAN, required=True, default=False, check=scopes_for_mandatory_scope),
            Field("provision_key", Kind.STRING, default=new_provision_key),
            Field("token_expiration", Kind.NUMBER, required=True, default=7200),
            Field("enable_authorization_code", Kind.BOOLEAN, required=True, default=True),
            Field("enable_implicit_grant", Kind.BOOLEAN, required=True, default=False),
            Field("enable_client_credentials", Kind.BOOLEAN, required=True, default=False),
            Field("enable_password_grant", Kind.BOOLEAN, required=True, default=False),
            Field("hide_credentials", Kind.BOOLEAN, default=False),
            Field("accept_http_if_already_terminated", Kind.BOOLEAN, default=False),
        )
    ),
)
