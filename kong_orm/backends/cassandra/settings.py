"""A factory's Cassandra settings: the config's typed options as driver values.

Options are read and checked by :mod:`kong_orm.config` (URL form:
``cassandra://[user:password@]host1,host2[:port]/keyspace?consistency=QUORUM``,
IPv6 hosts in brackets); what is left here is what needs the driver
(consistency level numbers) or several options at once (ports on contact points).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cassandra import ConsistencyLevel

from kong_orm.config import Config
from kong_orm.errors import ConfigError
from kong_orm.tls import cassandra_ssl

DEFAULT_PORT = 9042
DEFAULT_KEYSPACE = "kong"
DEFAULT_TIMEOUT = 5.0

#: Kept for callers that caught it before :class:`~kong_orm.errors.ConfigError` existed.
SettingsError = ConfigError


@dataclass(frozen=True)
class SslSettings:
    """TLS towards the nodes: ``enabled``; ``verify`` each node's certificate
    against ``certificate_authority`` (a PEM file; the system's roots when
    ``None``) and, unless ``verify_hostname`` is false, that it names the
    node's address; ``certificate`` and ``key``: the client's own (PEM
    files), for nodes that require one; ``key_password``: the passphrase of
    an encrypted ``key``; ``crl``: a PEM certificate revocation list the
    nodes' certificates are checked against."""

    enabled: bool = False
    verify: bool = False
    verify_hostname: bool = True
    certificate_authority: str | None = None
    certificate: str | None = None
    key: str | None = None
    key_password: str | None = field(default=None, repr=False)
    crl: str | None = None


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
        """Turn the config's checked options into driver settings."""
        options = config.options
        points = [split_point(point) for point in options.get("contact_points", ("127.0.0.1",))]
        return cls(
            contact_points=tuple(host for host, _ in points),
            port=options.get("port") or _written_port(points),
            keyspace=options.get("keyspace", DEFAULT_KEYSPACE),
            replication_strategy=options.get("replication_strategy", "SimpleStrategy"),
            replication_factor=options.get("replication_factor", 1),
            data_centers=options.get("data_centers", {}),
            consistency=ConsistencyLevel.name_to_value[options.get("consistency", "ONE")],
            serial_consistency=ConsistencyLevel.name_to_value[options.get("serial_consistency", "SERIAL")],
            timeout=options.get("timeout", DEFAULT_TIMEOUT),
            username=options.get("username"),
            password=options.get("password"),
            local_dc=options.get("local_dc"),
            ssl=_ssl(options),
            session=options.get("session"),
        )


def split_point(point: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address -> (host, port)."""
    if point.startswith("["):
        host, _, rest = point[1:].partition("]")
        port = rest.removeprefix(":")
    elif point.count(":") == 1:
        host, _, port = point.partition(":")
    else:
        host, port = point, ""
    if not host or (port and not port.isdigit()):
        raise ConfigError(f"option 'contact_points' takes hosts, each maybe with :port, not {point!r}")
    return host, int(port) if port else None


def host_of(point: str) -> str:
    """A contact point without its ``:port`` (and an IPv6 address without brackets)."""
    return split_point(point)[0]


def _written_port(points: list[tuple[str, int | None]]) -> int:
    written = {port for _, port in points if port is not None}
    if len(written) > 1:
        raise ConfigError(f"contact points name several ports: {sorted(written)}; give one 'port'", option="port")
    return written.pop() if written else DEFAULT_PORT


def _ssl(options: Mapping[str, Any]) -> SslSettings:
    return SslSettings(**cassandra_ssl(options))
