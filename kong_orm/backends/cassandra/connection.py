"""The named cqlengine connection of one factory and the driver session behind it.

The factory's models name this connection (``__connection__``). It is
registered when the factory is made and removed when it closes, so the
models work with no call first; kong_orm's own statements use its session
too. kong_orm reads rows by result column name, so it does not care which
row factory a session has, and restores nothing.

- Settings without a session: cqlengine opens the cluster itself, on first
  use by kong_orm or by a model (``register_connection(..., lazy_connect=True)``),
  with kong_orm's cluster options. Their default execution profile already
  returns the dict rows cqlengine needs.
- A session handed in: kong_orm's statements run on it, and nothing of it
  changes. Registering a session with cqlengine switches its rows to dicts and
  its tuple encoding, so cqlengine gets a second session of the same cluster,
  opened when the factory is made and closed with it. That is only possible
  when the rows are set per session (a cluster configured the pre-profile
  way) or the default profile already returns dicts; otherwise the row
  factory belongs to the profile every session of the cluster shares, and
  the models stay without a connection (a warning says so).
"""
from __future__ import annotations

import logging
import ssl
import threading
import uuid
from typing import Any

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, ExecutionProfile, _ConfigMode
from cassandra.cqlengine import connection as cqlengine
from cassandra.policies import DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, RetryPolicy, TokenAwarePolicy
from cassandra.query import dict_factory

from kong_orm.backends.cassandra.settings import CassandraSettings, SslSettings

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 5
SCHEMA_AGREEMENT_WAIT = 30


class NoBlindWriteRetries(RetryPolicy):  # type: ignore[misc]
    """The driver's retries, minus every retry of a write that may have been applied.

    The driver's default retries a statement on the next host after a lost
    connection or a server error, and a logged batch after a write timeout,
    whatever the statement. A lightweight transaction or a counter update
    sent twice can apply twice (or report ``not applied`` for its own first
    write), so only idempotent statements (kong_orm marks its reads so) are
    retried after such a failure. ``Unavailable`` is still retried once on
    the next host: the coordinator refused before any replica saw the write.
    """

    def on_write_timeout(self, query: Any, consistency: Any, write_type: Any, required_responses: Any,
                         received_responses: Any, retry_num: int) -> tuple[int, Any]:
        return self.RETHROW, None

    def on_request_error(self, query: Any, consistency: Any, error: Any, retry_num: int) -> tuple[int, Any]:
        if query is not None and query.is_idempotent and retry_num == 0:
            return self.RETRY_NEXT_HOST, None
        return self.RETHROW, None


RETRY_POLICY = NoBlindWriteRetries()


class Connection:
    """The cqlengine connection ``cqlengine_name`` of one factory; ``session()``
    connects on first use."""

    def __init__(self, settings: CassandraSettings) -> None:
        self.settings = settings
        self.cqlengine_name = f"kong_orm_{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._session: Any = None
        self._registered: Any = None
        self._models_session: Any = None
        self._models_unconnected = False
        self._register()

    @property
    def owns_session(self) -> bool:
        return self.settings.session is None

    def session(self) -> Any:
        """The connected driver session; raises the driver's error if no node answers."""
        session = self._session
        if session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._connect()
                session = self._session
        return session

    def _connect(self) -> Any:
        self._register()
        if not self.owns_session:
            return self.settings.session
        if _failed_for_good(self._registered):
            self._reset()
        registered = self._registered
        try:
            registered.handle_lazy_connect()
        except Exception:
            self._reset()
            raise
        log.debug("connected to %s (cqlengine connection %s)", self.settings.contact_points, self.cqlengine_name)
        return registered.session

    def _register(self) -> None:
        if self._registered is not None or self._models_unconnected:
            return
        if self.owns_session:
            self._registered = cqlengine.register_connection(
                self.cqlengine_name,
                hosts=list(self.settings.contact_points),
                lazy_connect=True,
                retry_connect=True,
                cluster_options=cluster_options(self.settings),
            )
        elif models_can_share(self.settings.session.cluster):
            self._models_session = self.settings.session.cluster.connect()
            self._registered = cqlengine.register_connection(self.cqlengine_name, session=self._models_session)
        else:
            self._models_unconnected = True
            log.warning(
                "the cqlengine models of keyspace %s have no connection: the default execution profile of the "
                "session handed in does not return dict rows, and kong_orm does not change it",
                self.settings.keyspace,
            )

    def _reset(self) -> None:
        """Register afresh, leaving nothing of a failed attempt to connect."""
        self._unregister()
        self._register()

    def _unregister(self) -> None:
        if self._registered is None:
            return
        if not self.owns_session:
            self._registered.cluster = None  # the caller's: unregister_connection would shut it down
            self._models_session.shutdown()
        cqlengine.unregister_connection(self.cqlengine_name)  # shuts down a cluster cqlengine opened
        self._registered = self._models_session = None

    def close(self) -> None:
        """Remove the cqlengine connection and shut down what kong_orm opened."""
        with self._lock:
            self._unregister()
            self._session = None


def _failed_for_good(registered: Any) -> bool:
    """Whether a model's attempt to connect failed in a way cqlengine does not retry."""
    with registered.lazy_connect_lock:  # held while a model connects
        return registered.session is None and not registered.lazy_connect


def models_can_share(cluster: Any) -> bool:
    """Whether cqlengine can have a session of ``cluster`` without changing the
    rows of the cluster's other sessions."""
    mode = cluster._config_mode
    if mode == _ConfigMode.LEGACY:
        return True
    return bool(mode == _ConfigMode.PROFILES and cluster.profile_manager.default.row_factory is dict_factory)


def cluster_options(settings: CassandraSettings) -> dict[str, Any]:
    """Options of the driver ``Cluster``: protocol v5, token-aware DC-aware
    routing, dict rows (what cqlengine needs), the configured timeouts, no
    blind retries of writes."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=settings.local_dc)),
        request_timeout=settings.timeout,
        consistency_level=settings.consistency,
        serial_consistency_level=settings.serial_consistency,
        row_factory=dict_factory,
        retry_policy=RETRY_POLICY,
    )
    return {
        "port": settings.port,
        "protocol_version": PROTOCOL_VERSION,
        "execution_profiles": {EXEC_PROFILE_DEFAULT: profile},
        "auth_provider": _auth(settings),
        "ssl_context": ssl_context(settings.ssl),
        "connect_timeout": settings.timeout,
        "control_connection_timeout": settings.timeout,
        "reconnection_policy": ExponentialReconnectionPolicy(base_delay=0.5, max_delay=10.0),
        "max_schema_agreement_wait": SCHEMA_AGREEMENT_WAIT,
    }


def _auth(settings: CassandraSettings) -> Any:
    # the config gives both or neither
    if settings.username is None:
        return None
    return PlainTextAuthProvider(username=settings.username, password=settings.password)


def ssl_context(settings: SslSettings) -> ssl.SSLContext | None:
    """The TLS context for ``settings``, or ``None`` when TLS is off.

    With ``verify_hostname`` the driver checks each node's certificate
    against the address it connects to (it passes that address as the
    server name when the context checks host names). With a ``crl``, a
    node whose certificate it revokes is refused (and so is any node whose
    certificate's issuer it is not from: OpenSSL then has no list to check).
    """
    if not settings.enabled:
        return None
    context = ssl.create_default_context(cafile=settings.certificate_authority)
    context.check_hostname = settings.verify and settings.verify_hostname
    if not settings.verify:
        context.verify_mode = ssl.CERT_NONE
    if settings.crl is not None:
        context.load_verify_locations(cafile=settings.crl)
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    if settings.certificate is not None:
        context.load_cert_chain(settings.certificate, settings.key, password=settings.key_password)
    return context
