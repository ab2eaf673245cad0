"""A throwaway three-node Apache Cassandra cluster for the fault tests.

Each node listens on a loopback address of its own (127.0.0.2, .3 and .4 by
default, ``$KONG_ORM_CASSANDRA_CLUSTER_HOSTS`` to change them) on the usual
ports, so the cluster runs beside the single test node of 127.0.0.1. The jars
and Java are those of :mod:`tests.servers.cassandra`.

Unlike the single node, a node keeps its data when it is stopped or killed
(``stop_node``, ``kill_node``, ``start_node``), and nodes run durable (no
``unsafesystem``, no ``skip_sync``): a killed node must come back with the
schema it took. ``stop`` stops every node and removes the cluster's folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from . import cassandra
from ._common import ServerError, cache_dir, env_port, log, port_open

DEFAULT_HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
KEYSPACE = "kong_orm_faults"
CLUSTER_NAME = "kong_orm fault test"
GOSSIP_TIMEOUT = 120.0

_NODE_YAML = """\
initial_token: {token}
auto_bootstrap: false
block_for_peers_timeout_in_secs: 0
"""
_PEER_STATE = re.compile(r"(?:InetAddress|Node) /([0-9.]+):\d+ (?:is now|has restarted, now) (UP|DOWN)")

# Nodes this process launched, kept so that they can be reaped once stopped.
_children: dict[int, subprocess.Popen[bytes]] = {}


def hosts() -> tuple[str, ...]:
    """The nodes' addresses (``$KONG_ORM_CASSANDRA_CLUSTER_HOSTS``, comma-separated); node 1 is the seed."""
    raw = os.environ.get("KONG_ORM_CASSANDRA_CLUSTER_HOSTS", "").strip()
    found = tuple(host.strip() for host in raw.split(",") if host.strip())
    return found or DEFAULT_HOSTS


def port() -> int:
    """Native (CQL) port of every node (``$KONG_ORM_CASSANDRA_CLUSTER_PORT``, default 9042)."""
    return env_port("KONG_ORM_CASSANDRA_CLUSTER_PORT", cassandra.DEFAULT_PORT)


def storage_port() -> int:
    """Inter-node port of every node (``$KONG_ORM_CASSANDRA_CLUSTER_STORAGE_PORT``, default 7000)."""
    return env_port("KONG_ORM_CASSANDRA_CLUSTER_STORAGE_PORT", cassandra.DEFAULT_STORAGE_PORT)


def url() -> str:
    """Connection URL of the test keyspace: every node, replication factor = nodes, QUORUM."""
    return (
        f"cassandra://{','.join(hosts())}:{port()}/{KEYSPACE}"
        f"?consistency=QUORUM&replication_factor={len(hosts())}"
    )


def _home() -> Path:
    return cache_dir() / "cassandra-cluster"


def _node_dir(node: int) -> Path:
    return _home() / f"node{node}"


def _pid_file(node: int) -> Path:
    return _node_dir(node) / "cassandra.pid"


def _nodes() -> range:
    return range(1, len(hosts()) + 1)


def _host(node: int) -> str:
    if node not in _nodes():
        raise ServerError(f"no node {node}: the cluster has nodes 1 to {len(hosts())}")
    return hosts()[node - 1]


def _token(node: int) -> int:
    """Evenly spread single tokens, so each node owns an equal range."""
    return -(2**63) + (node - 1) * (2**64 // len(hosts()))


# --- process state ----------------------------------------------------------------------------


def _pid(node: int) -> int | None:
    try:
        return int(_pid_file(node).read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]
        return False
    return cassandra.is_daemon(pid)


def node_running(node: int) -> bool:
    """Tell whether node ``node`` (1-based) has a live process."""
    pid = _pid(node)
    return pid is not None and _alive(pid)


def is_running() -> bool:
    """Tell whether every node of the cluster has a live process."""
    return all(node_running(node) for node in _nodes())


# --- start ------------------------------------------------------------------------------------


def _prepare_node_dir(node: int) -> Path:
    run = _node_dir(node)
    for sub in ("data", "commitlog", "saved_caches", "hints", "logs"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    cassandra.write_yaml(
        run,
        _host(node),
        seed=hosts()[0],
        native_port=port(),
        gossip_port=storage_port(),
        cluster_name=CLUSTER_NAME,
        extra=_NODE_YAML.format(token=_token(node)),
    )
    return run


def _launch(node: int, java: str) -> int:
    host = _host(node)
    for number, name in ((port(), "native"), (storage_port(), "storage")):
        if port_open(number, host):
            raise ServerError(f"Cassandra {name} port {host}:{number} is already in use")
    options, logback = cassandra.write_static_config()
    run = _prepare_node_dir(node)
    log.info("starting Cassandra node %d on %s:%d (data in %s)", node, host, port(), run)
    child = cassandra.spawn(cassandra.command(java, run, options, logback, durable=True), run)
    _children[child.pid] = child
    _pid_file(node).write_text(f"{child.pid}\n")
    return child.pid


def _log_size(node: int) -> int:
    try:
        return (_node_dir(node) / "logs" / "system.log").stat().st_size
    except OSError:
        return 0


def _logged_since(node: int, offset: int, words: str) -> bool:
    """True if node ``node`` logged ``words`` after byte ``offset`` of its log."""
    try:
        with (_node_dir(node) / "logs" / "system.log").open("rb") as handle:
            handle.seek(offset)
            return words.encode() in handle.read()
    except OSError:
        return False


def _wait_answers(node: int, pid: int, log_offset: int) -> None:
    """Poll until node ``node`` answers a query itself (its log past ``log_offset`` says it listens)."""
    run, host = _node_dir(node), _host(node)
    deadline = time.monotonic() + cassandra.START_TIMEOUT
    while True:
        if not _alive(pid):
            raise cassandra.failure_with_logs(f"Cassandra node {node} (pid {pid}) exited during startup", run)
        if _logged_since(node, log_offset, cassandra.STARTUP_FAILURE):
            _terminate(pid, signal.SIGKILL)
            raise cassandra.failure_with_logs(f"Cassandra node {node} failed to start", run)
        if (
            _logged_since(node, log_offset, cassandra.LISTENING)
            and port_open(port(), host)
            and cassandra.query_release_version(host=host, native_port=port()) is not None
        ):
            return
        if time.monotonic() > deadline:
            _terminate(pid, signal.SIGKILL)
            raise cassandra.failure_with_logs(
                f"Cassandra node {node} did not answer on {host}:{port()} within {cassandra.START_TIMEOUT:.0f} s",
                run,
            )
        time.sleep(cassandra.POLL_INTERVAL)


def peer_states(node: int, offset: int = 0) -> dict[str, str]:
    """What node ``node`` last logged (after byte ``offset``) about each peer: address -> ``UP`` or ``DOWN``."""
    states: dict[str, str] = {}
    try:
        with (_node_dir(node) / "logs" / "system.log").open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode(errors="replace")
    except OSError:
        return states
    for address, state in _PEER_STATE.findall(text):
        states[address] = state
    return states


def _gossip_settled(live: list[int], offsets: dict[int, int]) -> bool:
    """True if each of the ``live`` nodes last saw each other live node UP
    (a node launched now: since its log offset in ``offsets``, not in an earlier life)."""
    for node in live:
        states = peer_states(node, offsets.get(node, 0))
        if any(states.get(_host(peer)) != "UP" for peer in live if peer != node):
            return False
    return True


def _wait_gossip(since: float, offsets: dict[int, int]) -> None:
    live = [node for node in _nodes() if node_running(node)]
    deadline = time.monotonic() + GOSSIP_TIMEOUT
    while not _gossip_settled(live, offsets):
        if time.monotonic() > deadline:
            raise ServerError(
                f"Cassandra nodes {live} did not all see each other UP within {GOSSIP_TIMEOUT:.0f} s: "
                + "; ".join(f"node {node}: {peer_states(node, offsets.get(node, 0))}" for node in live)
            )
        time.sleep(cassandra.POLL_INTERVAL)
    log.info("nodes %s see each other up, %.1f s after launch", live, time.monotonic() - since)


def _start_nodes(nodes: list[int], java: str) -> dict[int, int]:
    """Launch ``nodes`` together, wait until each answers; return their log offsets before launch."""
    offsets = {node: _log_size(node) for node in nodes}
    pids = {node: _launch(node, java) for node in nodes}
    for node in nodes:
        _wait_answers(node, pids[node], offsets[node])
    return offsets


def start() -> bool:
    """Fetch if needed, start every node (the seed first), wait until all see each other up.

    :returns: True if this call launched a node (False: the whole cluster was running).
    """
    if is_running():
        log.info("the Cassandra cluster is already running")
        return False
    if any(node_running(node) for node in _nodes()):
        raise ServerError("part of the Cassandra cluster is running: start_node or stop it first")
    cassandra.require_driver()
    cassandra.fetch()
    java = cassandra.find_java()
    shutil.rmtree(_home(), ignore_errors=True)
    began = time.monotonic()
    try:
        _start_nodes([1], java)
        _start_nodes(list(_nodes())[1:], java)
        _wait_gossip(began, {})
    except BaseException:
        stop_nodes_left()
        raise
    return True


def stop_nodes_left() -> None:
    """Kill whatever nodes a failed start left running (their data is thrown away)."""
    for node in _nodes():
        _signal_node(node, signal.SIGKILL)


def start_node(node: int) -> bool:
    """Start node ``node`` again on its data; wait until it answers and the live nodes see it up.

    :returns: True if this call launched it (False: it was running).
    """
    _host(node)
    if not _node_dir(node).is_dir():
        raise ServerError("the Cassandra cluster was never started: start it first")
    if node_running(node):
        return False
    began = time.monotonic()
    _wait_gossip(began, _start_nodes([node], cassandra.find_java()))
    return True


# --- stop -------------------------------------------------------------------------------------


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _terminate(pid: int, sig: signal.Signals) -> None:
    """Send ``sig``; after SIGTERM wait for the node to drain, then SIGKILL if it did not exit."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    if sig == signal.SIGTERM and _wait_exit(pid, cassandra.STOP_TIMEOUT):
        return
    if sig == signal.SIGTERM:
        log.warning("Cassandra (pid %d) ignored SIGTERM for %.0f s, killing it", pid, cassandra.STOP_TIMEOUT)
        _terminate(pid, signal.SIGKILL)
    elif not _wait_exit(pid, 10.0):
        raise ServerError(f"Cassandra (pid {pid}) survived SIGKILL")


def _signal_node(node: int, sig: signal.Signals) -> bool:
    _host(node)
    pid = _pid(node)
    if pid is None or not _alive(pid):
        log.info("Cassandra node %d is not running", node)
        return False
    log.info("sending %s to Cassandra node %d (pid %d)", sig.name, node, pid)
    _terminate(pid, sig)
    return True


def stop_node(node: int) -> bool:
    """Stop node ``node`` cleanly (SIGTERM: it drains and tells its peers); True if it was running."""
    return _signal_node(node, signal.SIGTERM)


def kill_node(node: int) -> bool:
    """Kill node ``node`` with SIGKILL (its peers notice only by gossip); True if it was running."""
    return _signal_node(node, signal.SIGKILL)


def stop() -> bool:
    """Stop every node and remove the cluster's folder; True if a node was running."""
    running = [node for node in _nodes() if node_running(node)]
    for pid in filter(None, map(_pid, running)):  # all at once: each drains for seconds
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for node in running:
        stop_node(node)
    shutil.rmtree(_home(), ignore_errors=True)
    return bool(running)


def restart() -> None:
    """Stop the cluster if it runs, then start a fresh one."""
    stop()
    start()


def describe() -> str:
    """A few lines about each node's state, for ``status``."""
    lines = []
    for node in _nodes():
        host, pid = _host(node), _pid(node)
        if pid is None or not _alive(pid):
            lines.append(f"node {node} ({host}): not running")
            continue
        version = cassandra.query_release_version(host=host, native_port=port())
        answer = f"answers, release {version}" if version else "does not answer queries"
        lines.append(f"node {node} ({host}): running (pid {pid}), {answer}")
    return "Cassandra cluster: " + url() + "\n" + "\n".join(lines)
