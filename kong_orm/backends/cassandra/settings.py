"""A factory's Cassandra settings, from a ``cassandra://`` URL or a YAML section.

URL form: ``cassandra://[user:password@]host1,host2[:port]/keyspace?consistency=QUORUM``;
the query (and the YAML section) may hold every option below.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from cassandra import ConsistencyLevel

from kong_orm.config import Config

DEFAULT_PORT = 9042
DEFAULT_KEYSPACE = "kong"
DEFAULT_TIMEOUT = 5.0
STRATEGIES = ("SimpleStrategy", "NetworkTopologyStrategy")
SERIAL_LEVELS = ("SERIAL", "LOCAL_SERIAL")
_KEYSPACE = re.compile(r"^[A-Za-z0-9_]{1,48}$")
_TRUE = ("1", "true", "yes", "on")


class SettingsError(ValueError):
    """A Cassandra option has a value kong_orm cannot use."""


@dataclass(frozen=True)
class SslSettings:
    """TLS towards the nodes: ``enabled``, ``verify`` the node's certificate
    against ``certificate_authority`` (a PEM file)."""

    enabled: bool = False
    verify: bool = False
    certificate_authority: str | None = None


@dataclass(frozen=True)
class CassandraSettings:
    """Everything the Cassandra backend reads from a :class:`~kong_orm.config.Config`.

    ``timeout`` is in seconds, as for the SQL backends. ``session`` is a
    connected ``cassandra.cluster.Session`` of the caller's, used as is.
    """

    contact_points: tuple[str, ...] = ("127.0.0.1",)
    port: int = DEFAULT_PORT
    keyspace: str = DEFAULT_KEYSPACE
    replication_strategy: str = "SimpleStrategy"
    replication_factor: int = 1
    data_centers: Mapping[str, int] = field(default_factory=dict)
    consistency: int = ConsistencyLevel.ONE
    serial_consistency: int = ConsistencyLevel.SERIAL
    timeout: float = DEFAULT_TIMEOUT
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    local_dc: str | None = None
    ssl: SslSettings = SslSettings()
    session: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_config(cls, config: Config) -> CassandraSettings:
        """Read the URL (if any) and the options; options win over the URL."""
        values: dict[str, Any] = _from_url(config.url) if config.url else {}
        values.update(config.options)
        return cls(
            contact_points=_contact_points(values.get("contact_points", ("127.0.0.1",))),
            port=_port(values),
            keyspace=_keyspace(values.get("keyspace", DEFAULT_KEYSPACE)),
            replication_strategy=_strategy(values.get("replication_strategy", "SimpleStrategy")),
            replication_factor=_positive_int("replication_factor", values.get("replication_factor", 1)),
            data_centers=_data_centers(values.get("data_centers") or {}),
            consistency=_consistency("consistency", values.get("consistency", "ONE")),
            serial_consistency=_serial(values.get("serial_consistency", "SERIAL")),
            timeout=_timeout(values.get("timeout", DEFAULT_TIMEOUT)),
            username=values.get("username") or None,
            password=values.get("password") or None,
            local_dc=values.get("local_dc") or None,
            ssl=_ssl(values),
            session=values.get("session"),
        )


def _from_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    values: dict[str, Any] = {"contact_points": hosts or "127.0.0.1"}
    if userinfo:
        user, _, password = userinfo.partition(":")
        values["username"], values["password"] = unquote(user), unquote(password)
    keyspace = parts.path.strip("/")
    if keyspace:
        values["keyspace"] = unquote(keyspace)
    return values


def _contact_points(raw: Any) -> tuple[str, ...]:
    points = raw.split(",") if isinstance(raw, str) else list(raw)
    cleaned = tuple(str(point).strip() for point in points if str(point).strip())
    if not cleaned:
        raise SettingsError("contact_points cannot be empty")
    return cleaned


def _port(values: Mapping[str, Any]) -> int:
    """The explicit ``port``, else the one written on the contact points, else 9042."""
    if values.get("port") not in (None, ""):
        return _positive_int("port", values["port"])
    points = _contact_points(values.get("contact_points", "127.0.0.1"))
    written = {point.rpartition(":")[2] for point in points if ":" in point}
    if len(written) > 1:
        raise SettingsError(f"contact points name several ports: {sorted(written)}; give one 'port'")
    return _positive_int("port", written.pop()) if written else DEFAULT_PORT


def host_of(point: str) -> str:
    """A contact point without its ``:port``."""
    return point.rpartition(":")[0] if ":" in point else point


def _keyspace(name: Any) -> str:
    if not isinstance(name, str) or not _KEYSPACE.match(name):
        raise SettingsError(f"keyspace must be 1 to 48 letters, digits or underscores, not {name!r}")
    return name


def _strategy(name: Any) -> str:
    if name not in STRATEGIES:
        raise SettingsError(f"invalid replication_strategy class {name!r}; use one of {', '.join(STRATEGIES)}")
    return str(name)


def _positive_int(option: str, raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{option} must be a positive integer, not {raw!r}") from None
    if value <= 0 or isinstance(raw, bool):
        raise SettingsError(f"{option} must be a positive integer, not {raw!r}")
    return value


def _data_centers(raw: Any) -> dict[str, int]:
    if isinstance(raw, str):
        raw = dict(pair.split(":", 1) for pair in raw.split(",") if pair)
    if not isinstance(raw, Mapping):
        raise SettingsError(f"data_centers must map data center names to replica counts, not {raw!r}")
    return {str(dc).strip(): _positive_int(f"data_centers.{dc}", n) for dc, n in raw.items()}


def _consistency(option: str, raw: Any) -> int:
    name = str(raw).strip().upper()
    if name not in ConsistencyLevel.name_to_value:
        raise SettingsError(f"{option} must be one of {', '.join(ConsistencyLevel.name_to_value)}, not {raw!r}")
    return int(ConsistencyLevel.name_to_value[name])


def _serial(raw: Any) -> int:
    if str(raw).strip().upper() not in SERIAL_LEVELS:
        raise SettingsError(f"serial_consistency must be SERIAL or LOCAL_SERIAL, not {raw!r}")
    return _consistency("serial_consistency", raw)


def _timeout(raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"timeout must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"timeout must be a positive number of seconds, not {raw!r}")
    return value


def _flag(raw: Any) -> bool:
    return raw if isinstance(raw, bool) else str(raw).strip().lower() in _TRUE


def _ssl(values: Mapping[str, Any]) -> SslSettings:
    raw = values.get("ssl")
    if isinstance(raw, Mapping):
        return SslSettings(
            enabled=_flag(raw.get("enabled", False)),
            verify=_flag(raw.get("verify", False)),
            certificate_authority=raw.get("certificate_authority"),
        )
    return SslSettings(
        enabled=_flag(raw or False),
        verify=_flag(values.get("ssl_verify", False)),
        certificate_authority=values.get("ssl_certificate_authority"),
    )
