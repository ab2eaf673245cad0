"""A throwaway single-node Apache Cassandra for the tests, listening on 127.0.0.1 only.

The server jars come from Maven Central (``cassandra-all`` and its runtime
dependencies, fetched with Maven into the cache folder) and run on Java 17.
Each start uses a fresh data folder, removed again by ``stop``.
"""

from __future__ import annotations

import logging
import os
import re
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

from ._common import (
    LOCALHOST,
    ServerError,
    apt_install,
    cache_dir,
    env_port,
    log,
    port_open,
    tail,
)

VERSION = "5.0.9"
DEPENDENCY_PLUGIN_VERSION = "3.8.1"
KEYSPACE = "kong_orm_test"
CLUSTER_NAME = "kong_orm test"
DEFAULT_PORT = 9042
DEFAULT_STORAGE_PORT = 7000
HEAP = os.environ.get("KONG_ORM_CASSANDRA_HEAP", "1G")
"""JVM heap: the full suite keeps some 40 tables and their indexes per keyspace in memory."""
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
POLL_INTERVAL = 0.25
OPEN_FILES = 100_000
STARTUP_FAILURE = "Exception encountered during startup"
LISTENING = "Starting listening for CQL clients"
MAIN_CLASS = "org.apache.cassandra.service.CassandraDaemon"

_POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kong_orm.testing</groupId>
  <artifactId>cassandra-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>{plugin_version}</version>
      </plugin>
    </plugins>
  </build>
</project>
"""

_EXPORTS = [
    "java.base/jdk.internal.misc",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.management/com.sun.jmx.remote.security",
    "java.rmi/sun.rmi.registry",
    "java.rmi/sun.rmi.server",
    "java.sql/java.sql",
    "java.base/java.lang.ref",
    "jdk.unsupported/sun.misc",
    "jdk.compiler/com.sun.tools.javac.file",
    "jdk.attach/sun.tools.attach",
]
_OPENS = [
    "java.base/java.lang.module",
    "java.base/jdk.internal.loader",
    "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect",
    "java.base/jdk.internal.math",
    "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar",
    "jdk.management/com.sun.management.internal",
    "java.base/sun.nio.ch",
    "java.base/java.io",
    "java.base/java.lang.reflect",
    "jdk.compiler/com.sun.tools.javac",
    "java.base/java.lang",
    "java.base/java.util",
    "java.base/java.nio",
]
_JVM_OPTIONS = [
    "-ea",
    "-da:net.openhft...",
    "-Xss256k",
    "-XX:+UseTLAB",
    "-XX:+ResizeTLAB",
    "-XX:+PerfDisableSharedMem",
    "-XX:+HeapDumpOnOutOfMemoryError",
    "-Djava.net.preferIPv4Stack=true",
    "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true",
    "-XX:+UseG1GC",
    "-XX:+ParallelRefProcEnabled",
    "-XX:MaxTenuringThreshold=1",
    "-XX:G1HeapRegionSize=16m",
    "-XX:G1RSetUpdatingPauseTimePercent=5",
    "-XX:MaxGCPauseMillis=300",
    "-XX:InitiatingHeapOccupancyPercent=70",
    "-Djdk.attach.allowAttachSelf=true",
    *(f"--add-exports={name}=ALL-UNNAMED" for name in _EXPORTS),
    *(f"--add-opens={name}=ALL-UNNAMED" for name in _OPENS),
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dio.netty.allocator.useCacheForAllThreads=true",
    "-Dio.netty.allocator.maxOrder=11",
]

_YAML = """\
cluster_name: '{cluster_name}'
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{seed}:{storage_port}"
listen_address: {address}
rpc_address: {address}
storage_port: {storage_port}
native_transport_port: {port}
start_native_transport: true
data_file_directories: ["{run}/data"]
commitlog_directory: "{run}/commitlog"
saved_caches_directory: "{run}/saved_caches"
hints_directory: "{run}/hints"
commitlog_sync: periodic
commitlog_sync_period: 10s
auto_snapshot: false
incremental_backups: false
snapshot_before_compaction: false
memtable_allocation_type: heap_buffers
disk_access_mode: standard
storage_compatibility_mode: NONE
concurrent_compactors: 1
read_request_timeout: 10000ms
range_request_timeout: 20000ms
write_request_timeout: 5000ms
request_timeout: 20000ms
truncate_request_timeout: 60000ms
cas_contention_timeout: 5000ms
phi_convict_threshold: 12
batch_size_warn_threshold: 64KiB
batch_size_fail_threshold: 1024KiB
{extra}"""

_LOGBACK = """\
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${cassandra.logdir}/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{30} - %msg%n</pattern></encoder>
  </appender>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{30} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
    <appender-ref ref="CONSOLE"/>
  </root>
</configuration>
"""

# The server this process launched, kept so that it can be reaped once stopped.
_child: subprocess.Popen[bytes] | None = None


def port() -> int:
    """Native (CQL) port of the test server (``$KONG_ORM_CASSANDRA_PORT``, default 9042)."""
    return env_port("KONG_ORM_CASSANDRA_PORT", DEFAULT_PORT)


def storage_port() -> int:
    """Inter-node port (``$KONG_ORM_CASSANDRA_STORAGE_PORT``, default 7000)."""
    return env_port("KONG_ORM_CASSANDRA_STORAGE_PORT", DEFAULT_STORAGE_PORT)


def url() -> str:
    """Connection URL of the test keyspace."""
    return f"cassandra://{LOCALHOST}:{port()}/{KEYSPACE}"


def _home() -> Path:
    home = cache_dir() / "cassandra"
    home.mkdir(exist_ok=True)
    return home


def _lib() -> Path:
    return _home() / "lib"


def _marker() -> Path:
    return _lib() / ".complete"


def _pid_file() -> Path:
    return _home() / "cassandra.pid"


def _runs() -> Path:
    return _home() / "run"


# --- fetching ---------------------------------------------------------------------------------


def is_fetched() -> bool:
    """Tell whether the server jars of :data:`VERSION` are in the cache."""
    marker = _marker()
    return (
        marker.is_file()
        and marker.read_text().strip() == VERSION
        and (_lib() / f"cassandra-all-{VERSION}.jar").is_file()
    )


def _maven() -> str:
    found = shutil.which("mvn")
    if found is None:
        apt_install("maven")
        found = shutil.which("mvn")
    if found is None:
        raise ServerError("Maven (mvn) is needed to fetch Cassandra")
    return found


def fetch() -> bool:
    """Download cassandra-all and its runtime dependencies into the cache; True if it downloaded."""
    if is_fetched():
        log.info("Cassandra %s jars already in %s", VERSION, _lib())
        return False
    home, lib = _home(), _lib()
    pom = home / "pom.xml"
    pom.write_text(
        _POM.format(version=VERSION, plugin_version=DEPENDENCY_PLUGIN_VERSION)
    )
    shutil.rmtree(lib, ignore_errors=True)
    cmd = [
        _maven(),
        "-B",
        "-q",
        f"-Dmaven.repo.local={home / 'm2'}",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
        "-DincludeScope=runtime",
    ]
    log.info("fetching Cassandra %s with Maven into %s", VERSION, lib)
    result = subprocess.run(
        cmd,
        cwd=home,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise ServerError(
            f"Maven failed (exit {result.returncode}) fetching Cassandra:\n{output}"
        )
    if not (lib / f"cassandra-all-{VERSION}.jar").is_file():
        raise ServerError(
            f"Maven finished but {lib} has no cassandra-all-{VERSION}.jar"
        )
    _marker().write_text(VERSION + "\n")
    log.info("fetched %d jars", len(list(lib.glob("*.jar"))))
    return True


# --- java -------------------------------------------------------------------------------------


def _java_major(java: str) -> int | None:
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java_candidates() -> list[str]:
    candidates = []
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidates.append(str(Path(java_home) / "bin" / "java"))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    candidates += sorted(
        str(path) for path in Path("/usr/lib/jvm").glob("*17*/bin/java")
    )
    return candidates


def find_java() -> str:
    """Path of a Java 17 ``java``: ``$JAVA_HOME``, then PATH, then ``/usr/lib/jvm/*17*``."""
    for installed in (False, True):
        if installed:
            apt_install("openjdk-17-jre-headless")
        for java in _java_candidates():
            if _java_major(java) == 17:
                return java
    raise ServerError("Cassandra 5.0 needs Java 17, none found")


# --- configuration ----------------------------------------------------------------------------


def write_static_config() -> tuple[Path, Path]:
    """Write the JVM option file and logback.xml; return their paths."""
    home = _home()
    options = home / "jvm17.opts"
    _replace_text(options, "\n".join(_JVM_OPTIONS) + "\n")
    conf = home / "conf"
    conf.mkdir(exist_ok=True)
    logback = conf / "logback.xml"
    _replace_text(logback, _LOGBACK)
    return options, logback


def _replace_text(path: Path, text: str) -> None:
    """Write ``path`` whole in one step: a node starting meanwhile never reads half a file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    os.replace(partial, path)


def _new_run_dir() -> Path:
    runs = _runs()
    shutil.rmtree(runs, ignore_errors=True)
    run = runs / f"node-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    for sub in ("data", "commitlog", "saved_caches", "hints", "logs"):
        (run / sub).mkdir(parents=True)
    write_yaml(run, LOCALHOST, seed=LOCALHOST, native_port=port(), gossip_port=storage_port())
    return run


def write_yaml(
    run: Path,
    address: str,
    *,
    seed: str,
    native_port: int,
    gossip_port: int,
    cluster_name: str = CLUSTER_NAME,
    extra: str = "",
) -> None:
    """Write ``<run>/cassandra.yaml`` for a node on ``address`` whose data lives in ``run``."""
    (run / "cassandra.yaml").write_text(
        _YAML.format(
            cluster_name=cluster_name,
            address=address,
            seed=seed,
            port=native_port,
            storage_port=gossip_port,
            run=run,
            extra=extra,
        )
    )


def command(
    java: str,
    run: Path,
    options: Path,
    logback: Path,
    *,
    durable: bool = False,
    heap: str = HEAP,
    properties: tuple[str, ...] = (),
) -> list[str]:
    """The java command line of a node whose run folder is ``run``.

    Without ``durable`` the node skips fsync and the flushes of system tables
    after schema changes (fast, but a node killed with SIGKILL may restart
    without schema changes it took): fine for a node whose data is thrown away.
    ``properties`` are more ``-D`` options of the JVM.
    """
    home = _home()
    unsafe = [] if durable else ["-Dcassandra.unsafesystem=true", "-Dcassandra.skip_sync=true"]
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        f"@{options}",
        f"-Dcassandra.config={(run / 'cassandra.yaml').as_uri()}",
        f"-Dlogback.configurationFile={logback.as_uri()}",
        f"-Dcassandra.logdir={run / 'logs'}",
        f"-Dcassandra.storagedir={run}",
        "-Dcassandra-foreground=yes",
        "-Dcassandra.ring_delay_ms=1000",
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        *unsafe,
        *properties,
        "-cp",
        f"{home / 'conf'}{os.pathsep}{_lib()}/*",
        MAIN_CLASS,
    ]


def _raise_open_files_limit() -> None:
    """Runs in the child before exec: raise ``ulimit -n`` as far as allowed."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        limits = (OPEN_FILES, hard)
    else:
        limits = (OPEN_FILES, max(hard, OPEN_FILES))
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)
    except (ValueError, OSError):
        try:  # not allowed to raise the hard limit: take all of it
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


# --- process state ----------------------------------------------------------------------------


def _read_pid() -> int | None:
    try:
        return int(_pid_file().read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """True if ``pid`` is a live Cassandra daemon (zombies and reused pids excluded)."""
    global _child
    if _child is not None and _child.pid == pid and _child.poll() is not None:
        _child = None
        return False
    return is_daemon(pid)


def is_daemon(pid: int) -> bool:
    """True if ``pid`` runs a Cassandra daemon (a zombie's command line is empty)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return MAIN_CLASS.encode() in cmdline


def is_running() -> bool:
    """Tell whether the test server (of this cache folder) is running."""
    pid = _read_pid()
    return pid is not None and _alive(pid)


def _logs(run: Path) -> tuple[Path, Path]:
    return run / "logs" / "system.log", run / "logs" / "stdout.log"


def _current_run() -> Path | None:
    runs = sorted(_runs().glob("node-*")) if _runs().is_dir() else []
    return runs[-1] if runs else None


# --- readiness --------------------------------------------------------------------------------


def query_release_version(
    timeout: float = 5.0, *, host: str = LOCALHOST, native_port: int | None = None
) -> str | None:
    """Run ``SELECT release_version FROM system.local`` on ``host`` with cassandra-driver; None on failure."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import WhiteListRoundRobinPolicy

    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy([host]), request_timeout=timeout
    )
    cluster = Cluster(
        [host],
        port=port() if native_port is None else native_port,
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=timeout,
        control_connection_timeout=timeout,
    )
    driver_log = logging.getLogger("cassandra")
    level = driver_log.level
    driver_log.setLevel(logging.CRITICAL)
    try:
        row = (
            cluster.connect().execute("SELECT release_version FROM system.local").one()
        )
        return str(row[0]) if row is not None else None
    except Exception:  # noqa: BLE001 - any failure means: not ready yet
        return None
    finally:
        cluster.shutdown()
        driver_log.setLevel(level)


def require_driver() -> None:
    try:
        import cassandra.cluster  # noqa: F401
    except ImportError:
        raise ServerError(
            "cassandra-driver is needed to check that Cassandra answers: pip install cassandra-driver"
        ) from None


def startup_failed(run: Path) -> bool:
    return any(STARTUP_FAILURE in tail(path, 400) for path in _logs(run))


def serves_cql(run: Path) -> bool:
    """True once this node logged that it serves CQL (so the port is not someone else's)."""
    try:
        return LISTENING in _logs(run)[0].read_text(errors="replace")
    except OSError:
        return False


def failure_with_logs(message: str, run: Path) -> ServerError:
    system_log, stdout_log = _logs(run)
    return ServerError(
        f"{message}\n--- last lines of {system_log} ---\n{tail(system_log)}"
        f"--- last lines of {stdout_log} ---\n{tail(stdout_log, 20)}"
    )


def _wait_ready(pid: int, run: Path) -> str:
    """Poll until the node answers a real query; return its release version."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if not _alive(pid):
            raise failure_with_logs(f"Cassandra (pid {pid}) exited during startup", run)
        if startup_failed(run):
            _kill(pid)
            raise failure_with_logs(
                f"Cassandra failed to start ('{STARTUP_FAILURE}' in its log)", run
            )
        if serves_cql(run) and port_open(port()):
            version = query_release_version()
            if version is not None:
                return version
        if time.monotonic() > deadline:
            _kill(pid)
            raise failure_with_logs(
                f"Cassandra did not answer on port {port()} within {START_TIMEOUT:.0f} s",
                run,
            )
        time.sleep(POLL_INTERVAL)


# --- start / stop -----------------------------------------------------------------------------


def _launch(java: str) -> tuple[int, Path]:
    global _child
    for number, name in ((port(), "native"), (storage_port(), "storage")):
        if port_open(number):
            raise ServerError(
                f"Cassandra {name} port {number} on {LOCALHOST} is already in use"
            )
    options, logback = write_static_config()
    run = _new_run_dir()
    log.info(
        "starting Cassandra %s on %s:%d (data in %s)", VERSION, LOCALHOST, port(), run
    )
    _child = spawn(command(java, run, options, logback), run)
    _pid_file().write_text(f"{_child.pid}\n")
    return _child.pid, run


def spawn(cmd: list[str], run: Path) -> subprocess.Popen[bytes]:
    """Start a node in a session of its own, its output appended to ``<run>/logs/stdout.log``."""
    with (run / "logs" / "stdout.log").open("ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=run,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_raise_open_files_limit,  # noqa: PLW1509 - it only calls setrlimit
            start_new_session=True,
        )


def start() -> bool:
    """Fetch if needed, start the node (idempotent), wait until it answers; True if this call launched it."""
    pid = _read_pid()
    if pid is not None and _alive(pid):
        run = _current_run()
        if run is None:
            raise ServerError(
                f"Cassandra pid {pid} runs but its run folder is missing; stop it first"
            )
        log.info("Cassandra is already running (pid %d)", pid)
        _wait_ready(pid, run)
        return False
    require_driver()
    fetch()
    java = find_java()
    pid, run = _launch(java)
    version = _wait_ready(pid, run)
    log.info("Cassandra %s answers on %s:%d (pid %d)", version, LOCALHOST, port(), pid)
    return True


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_INTERVAL)
    return True


def _kill(pid: int) -> None:
    """SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if _wait_exit(pid, STOP_TIMEOUT):
        return
    log.warning(
        "Cassandra (pid %d) ignored SIGTERM for %.0f s, killing it", pid, STOP_TIMEOUT
    )
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if not _wait_exit(pid, 10.0):
        raise ServerError(f"Cassandra (pid {pid}) survived SIGKILL")


def stop() -> bool:
    """Stop the node and remove its run folder; True if it was running."""
    pid = _read_pid()
    running = pid is not None and _alive(pid)
    if pid is not None and running:
        log.info("stopping Cassandra (pid %d)", pid)
        _kill(pid)
    else:
        log.info("Cassandra is not running")
    _pid_file().unlink(missing_ok=True)
    shutil.rmtree(_runs(), ignore_errors=True)
    return running


def restart() -> None:
    """Stop the node if it runs, then start a fresh one."""
    stop()
    start()


def describe() -> str:
    """One line about the server's state, for ``status``."""
    pid = _read_pid()
    if pid is None or not _alive(pid):
        return "Cassandra: not running"
    try:
        version = query_release_version()
    except ImportError:
        version = None
    answer = (
        f"answers, release {version}" if version else "does not answer queries (yet)"
    )
    return f"Cassandra: running (pid {pid}) on port {port()}, {answer}, {url()}"
