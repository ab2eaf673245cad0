"""Small builders shared by the contract tests."""
from __future__ import annotations

import itertools
from typing import Any

from kong_orm.factory import DAOFactory

_numbers = itertools.count(1)


def api_values(**overrides: Any) -> dict[str, Any]:
    """Values of a valid, unique api."""
    n = next(_numbers)
    return {"request_host": f"api{n}.example.com", "upstream_url": "http://upstream.example.com", **overrides}


def add_api(factory: DAOFactory, ttl: int | None = None, **overrides: Any) -> dict[str, Any]:
    return factory.apis.insert(api_values(**overrides), ttl=ttl)


def add_consumer(factory: DAOFactory, **overrides: Any) -> dict[str, Any]:
    return factory.consumers.insert({"username": f"user{next(_numbers)}", **overrides})


def add_plugin(factory: DAOFactory, api: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values = {"name": "rate-limiting", "api_id": api["id"], "config": {"second": 5}, **overrides}
    return factory.plugins.insert(values)


def plugin_key(plugin: dict[str, Any]) -> dict[str, Any]:
    return {"id": plugin["id"], "name": plugin["name"]}
