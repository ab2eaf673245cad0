"""One cluster and session per factory, opened on first use, and the named
cqlengine connection that goes with it.

A session handed in by the caller is used as is: kong_orm neither shuts it
down nor leaves cqlengine's changes to it (``register_connection`` switches a
session's row factory to ``dict_factory``; the previous state is restored).
"""
from __future__ import annotations

import logging
import ssl
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.cqlengine import connection as cqlengine_connection
from cassandra.policies import DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, TokenAwarePolicy
from cassandra.query import dict_factory

from kong_orm.backends.cassandra.settings import CassandraSettings, SslSettings, host_of

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 5
SCHEMA_AGREEMENT_WAIT = 30
_ABSENT = object()


class Connection:
    """The session of one factory (``session()`` connects on first use)."""

    def __init__(self, settings: CassandraSettings) -> None:
        self.settings = settings
        self.cqlengine_name = f"kong_orm_{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._session: Any = None
        self._cluster: Any = None
        self._registered: Any = None

    @property
    def owns_session(self) -> bool:
        return self.settings.session is None

    def session(self) -> Any:
        """The connected driver session; raises the driver's error if no node answers."""
        session = self._session
        if session is None:
            with self._lock:
                if self._session is None:
                    self._open()
                session = self._session
        return session

    def _open(self) -> None:
        if self.owns_session:
            cluster = build_cluster(self.settings)
            try:
                session = cluster.connect()
            except Exception:
                cluster.shutdown()
                raise
            self._cluster = cluster
        else:
            session = self.settings.session
        self._registered = register_cqlengine(self.cqlengine_name, session, restore=not self.owns_session)
        self._session = session
        log.debug("connected to %s (cqlengine connection %s)", self.settings.contact_points, self.cqlengine_name)

    def close(self) -> None:
        """Unregister the cqlengine connection and shut down the cluster kong_orm opened."""
        with self._lock:
            if self._registered is not None:
                unregister_cqlengine(self.cqlengine_name, self._registered)
            if self._cluster is not None:
                self._cluster.shutdown()
            self._session = self._cluster = self._registered = None


def build_cluster(settings: CassandraSettings) -> Any:
    """A driver ``Cluster`` for ``settings``: protocol v5, token-aware DC-aware routing."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=settings.local_dc)),
        request_timeout=settings.timeout,
        consistency_level=settings.consistency,
        serial_consistency_level=settings.serial_consistency,
        row_factory=dict_factory,
    )
    return Cluster(
        contact_points=[host_of(point) for point in settings.contact_points],
        port=settings.port,
        protocol_version=PROTOCOL_VERSION,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        auth_provider=_auth(settings),
        ssl_context=ssl_context(settings.ssl),
        connect_timeout=settings.timeout,
        control_connection_timeout=settings.timeout,
        reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=10.0),
        max_schema_agreement_wait=SCHEMA_AGREEMENT_WAIT,
    )


def _auth(settings: CassandraSettings) -> Any:
    if settings.username and settings.password:
        return PlainTextAuthProvider(username=settings.username, password=settings.password)
    return None


def ssl_context(settings: SslSettings) -> ssl.SSLContext | None:
    """The TLS context for ``settings``, or ``None`` when TLS is off."""
    if not settings.enabled:
        return None
    if settings.verify:
        return ssl.create_default_context(cafile=settings.certificate_authority)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class SessionState:
    """What ``cqlengine.connection.register_connection`` changes on a session."""

    row_factory: Any
    profile_row_factory: Any
    tuple_encoder: Any

    @classmethod
    def capture(cls, session: Any) -> SessionState:
        return cls(
            row_factory=session.row_factory,
            profile_row_factory=session.cluster.profile_manager.default.row_factory,
            tuple_encoder=session.encoder.mapping.get(tuple, _ABSENT),
        )

    def restore(self, session: Any) -> None:
        if session.row_factory is not self.row_factory:  # only settable outside profile mode
            session.row_factory = self.row_factory
        session.cluster.profile_manager.default.row_factory = self.profile_row_factory
        if self.tuple_encoder is _ABSENT:
            session.encoder.mapping.pop(tuple, None)
        else:
            session.encoder.mapping[tuple] = self.tuple_encoder


def register_cqlengine(name: str, session: Any, *, restore: bool) -> Any:
    """Register ``session`` as the cqlengine connection ``name``; with ``restore``,
    undo what cqlengine changes on the session."""
    before = SessionState.capture(session)
    registered = cqlengine_connection.register_connection(name, session=session)
    try:
        if restore:
            before.restore(session)
    except Exception:
        unregister_cqlengine(name, registered)
        raise
    return registered


def unregister_cqlengine(name: str, registered: Any) -> None:
    """Remove the cqlengine connection ``name``, leaving its cluster running."""
    registered.cluster = None  # unregister_connection would shut it down
    cqlengine_connection.unregister_connection(name)
