"""A Cassandra node of a test's own, beside the suite's: on free ports of
127.0.0.1, in a folder the test gives, optionally serving CQL over TLS only
(with client certificates required) and with password authentication.

The jars and Java are those of :mod:`tests.servers.cassandra`. The node is
killed at the end (its data is thrown away) and runs with a 512 MiB heap
(``$KONG_ORM_CASSANDRA_PRIVATE_HEAP``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cassandra
from ._common import LOCALHOST, ServerError, ServerTls, free_port, log, port_open, tail

HEAP = os.environ.get("KONG_ORM_CASSANDRA_PRIVATE_HEAP", "512M")
SUPERUSER = ("cassandra", "cassandra")
"""The role a node with password authentication creates on first start."""
SUPERUSER_READY = "Created default superuser role"

_PASSWORDS_YAML = "authenticator: PasswordAuthenticator\n"
_TLS_YAML = """\
client_encryption_options:
  enabled: true
  optional: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: {keystore}
  truststore: {truststore}
  require_client_auth: true
"""


@dataclass
class PrivateNode:
    """A single node in ``folder``; :meth:`start` picks its ports.

    :param tls: serve CQL over TLS only, with these files; clients must
        present a certificate of ``tls.client_authority``.
    :param passwords: require a user name and password (:data:`SUPERUSER`
        exists once the node has started).
    """

    folder: Path
    tls: ServerTls | None = None
    passwords: bool = False
    port: int = 0
    _child: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def run(self) -> Path:
        return self.folder / "node"

    def start(self) -> None:
        """Launch the node and wait until it serves CQL (and has its superuser)."""
        cassandra.fetch()
        java = cassandra.find_java()
        for sub in ("data", "commitlog", "saved_caches", "hints", "logs"):
            (self.run / sub).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cassandra.write_yaml(self.run, LOCALHOST, seed=LOCALHOST, native_port=self.port, gossip_port=free_port(),
                             cluster_name="kong_orm private node", extra=self._extra_yaml())
        options, logback = cassandra.write_static_config()
        properties = ("-Dcassandra.superuser_setup_delay_ms=0",) if self.passwords else ()
        log.info("starting a private Cassandra node on %s:%d (data in %s)", LOCALHOST, self.port, self.run)
        self._child = cassandra.spawn(
            cassandra.command(java, self.run, options, logback, heap=HEAP, properties=properties), self.run
        )
        self._wait_ready()

    def _extra_yaml(self) -> str:
        extra = _PASSWORDS_YAML if self.passwords else ""
        if self.tls is not None:
            keystore = self.run / "server.pem"  # the node reads its key and certificate from one file
            keystore.write_text(self.tls.certificate.read_text() + self.tls.key.read_text())
            keystore.chmod(0o600)
            extra += _TLS_YAML.format(keystore=keystore, truststore=self.tls.client_authority)
        return extra

    def _ready(self) -> bool:
        if not (cassandra.serves_cql(self.run) and port_open(self.port)):
            return False
        return not self.passwords or SUPERUSER_READY in tail(self.run / "logs" / "system.log", 400)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + cassandra.START_TIMEOUT
        while not self._ready():
            if self._child is None or self._child.poll() is not None:
                raise cassandra.failure_with_logs("the private Cassandra node exited during startup", self.run)
            if cassandra.startup_failed(self.run) or time.monotonic() > deadline:
                self.stop()
                raise cassandra.failure_with_logs("the private Cassandra node did not start", self.run)
            time.sleep(cassandra.POLL_INTERVAL)

    def stop(self) -> None:
        """Kill the node (its data is thrown away) and remove its folder."""
        child, self._child = self._child, None
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGKILL)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise ServerError(f"the private Cassandra node (pid {child.pid}) survived SIGKILL") from None
        shutil.rmtree(self.run, ignore_errors=True)
