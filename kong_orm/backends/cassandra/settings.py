"""A factory's Cassandra settings: the config's typed options as driver values.

Options are read and checked by :mod:`kong_orm.config` (URL form:
``cassandra://[user:password@]host1,host2[:port]/keyspace?consistency=QUORUM``,
IPv6 hosts in brackets); what is left here is what needs the driver
(consistency level numbers) or several options at once (each contact point's port).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cassandra import ConsistencyLevel

from kong_orm.config import Config
from kong_orm.errors import ConfigError
from kong_orm.options import split_point
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

    ``contact_points`` are ``(host, port)`` pairs, as the driver takes them:
    each host with the port it names, else ``port``. ``timeout`` is in
    seconds, as for the SQL backends. ``session`` is a connected
    ``cassandra.cluster.Session`` of the caller's, used as is.
    """

    contact_points: tuple[tuple[str, int], ...] = (("127.0.0.1", DEFAULT_PORT),)
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
        port = options.get("port", DEFAULT_PORT)
        points = [split_point(point) for point in options.get("contact_points", ("127.0.0.1",))]
        return cls(
            contact_points=tuple((host, own or port) for host, own in points),
            port=port,
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


def _ssl(options: Mapping[str, Any]) -> SslSettings:
    return SslSettings(**cassandra_ssl(options))
