"""APIs: what the gateway proxies, matched by host or path."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from kong_orm.schema.entities.common import all_of, at_least_one_of, created_at_field, id_field, when_set
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import Field, Kind

_NAME_CHARS = re.compile(r"[^A-Za-z0-9._~-]")
_PATH_CHARS = re.compile(r"[^A-Za-z0-9._~/-]")
_PLAIN_HOST = re.compile(r"^[A-Za-z0-9._-]+\.[A-Za-z0-9]{2,}$")
_WILDCARD_HOST = re.compile(r"^\*\.[^*]+$|^[^*]+\.\*$")
_host_or_path = at_least_one_of("request_host", "request_path")


def default_name(row: Mapping[str, Any]) -> str | None:
    """Name an API after its host, else after its path (``/a/b`` gives ``a-b``)."""
    source = row.get("request_host")
    if not source and row.get("request_path"):
        source = row["request_path"][1:].replace("/", "-")
    return _NAME_CHARS.sub("-", source) if source else None


def check_name(name: str, row: Mapping[str, Any]) -> str | None:
    if _NAME_CHARS.search(name):
        return "name must only contain alphanumeric and '., -, _, ~' characters"
    return None


def check_request_host(host: str, row: Mapping[str, Any]) -> str | None:
    wildcards = host.count("*")
    if wildcards > 1:
        return f"Only one wildcard is allowed: {host}"
    if wildcards == 1:
        return None if _WILDCARD_HOST.match(host) else f"Invalid wildcard placement: {host}"
    labels = host.split(".")
    if not _PLAIN_HOST.match(host) or any(not label or label[0] == "-" or label[-1] == "-" for label in labels):
        return f"Invalid value: {host}"
    return None


def check_request_path(path: str, row: Mapping[str, Any]) -> str | None:
    if not path.startswith("/"):
        return f"must be prefixed with slash: '{path}'"
    if "//" in path:
        return f"invalid: '{path}'"
    if _PATH_CHARS.search(path):
        return "must only contain alphanumeric and '., -, _, ~, /' characters"
    return None


def strip_trailing_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def check_upstream_protocol(url: str, row: Mapping[str, Any]) -> str | None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return "Supported protocols are HTTP and HTTPS"
    return None


APIS = Entity(
    name="apis",
    fields=(
        id_field(),
        created_at_field(),
        Field("name", Kind.STRING, unique=True, default=default_name, check=when_set(check_name)),
        Field(
            "request_host",
            Kind.STRING,
            unique=True,
            check=all_of(_host_or_path, when_set(check_request_host)),
        ),
        Field(
            "request_path",
            Kind.STRING,
            unique=True,
            check=all_of(_host_or_path, when_set(check_request_path)),
            normalize=strip_trailing_slash,
        ),
        Field("strip_request_path", Kind.BOOLEAN, default=False),
        Field("upstream_url", Kind.URL, required=True, check=check_upstream_protocol),
        Field("preserve_host", Kind.BOOLEAN, default=False),
    ),
)
