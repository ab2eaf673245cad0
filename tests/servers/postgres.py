"""A throwaway PostgreSQL server for the tests, listening on 127.0.0.1 only.

The cluster is created with ``initdb`` on first start, with the superuser
``kong`` (password ``kong``) and the database ``kong_orm_test``. PostgreSQL
refuses to run as root, so as root every server command runs as the
``postgres`` system user, on a data folder that user owns.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

from ._common import (
    LOCALHOST,
    ServerError,
    ServerTls,
    apt_install,
    cache_dir,
    env_port,
    log,
    port_open,
    tail,
)

USER = "kong"
PASSWORD = "kong"
DATABASE = "kong_orm_test"
OS_USER = "postgres"
START_TIMEOUT = 60.0
POLL_INTERVAL = 0.25
DEFAULT_PORT = 5433

# Settings rewritten on every start; durability is traded for speed (throwaway data).
_SETTINGS = """\
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
"""
# With TLS files: TLS offered to every client, client certificates requested
# (and checked against the authority) but not required.
_TLS_SETTINGS = """\
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'client-ca.crt'
"""


def port() -> int:
    """TCP port of the test server (``$KONG_ORM_PG_PORT``, default 5433)."""
    return env_port("KONG_ORM_PG_PORT", DEFAULT_PORT)


def url() -> str:
    """Connection URL of the test database."""
    return f"postgresql://{USER}:{PASSWORD}@{LOCALHOST}:{port()}/{DATABASE}"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def _find_bin_dir() -> Path | None:
    """Folder holding ``pg_ctl`` and ``initdb``, newest Debian version first."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True
    )
    for folder in debian:
        if (folder / "pg_ctl").is_file() and (folder / "initdb").is_file():
            return folder
    found = shutil.which("pg_ctl")
    if found:
        folder = Path(found).resolve().parent
        if (folder / "initdb").is_file():
            return folder
    return None


def _bin_dir(install: bool) -> Path:
    """Find the server binaries, installing Debian's ``postgresql`` if allowed."""
    folder = _find_bin_dir()
    if folder is None and install:
        apt_install("postgresql")
        folder = _find_bin_dir()
    if folder is None:
        raise ServerError("PostgreSQL server binaries (pg_ctl, initdb) not found")
    return folder


def _as_root() -> bool:
    return os.geteuid() == 0


def _owner_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(OS_USER)
    except KeyError:
        raise ServerError(
            f"running as root needs the '{OS_USER}' system user to run PostgreSQL"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _as_owner(cmd: list[str]) -> list[str]:
    """Wrap a command so it runs as the ``postgres`` user when we are root."""
    if not _as_root():
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", OS_USER, "--", *cmd]
    return ["su", "-s", "/bin/sh", OS_USER, "-c", subprocess.list2cmdline(cmd)]


def _chown(path: Path) -> None:
    if _as_root():
        uid, gid = _owner_ids()
        os.chown(path, uid, gid)


def _owner_can_write(folder: Path) -> bool:
    if not _as_root():
        return os.access(folder, os.W_OK | os.X_OK)
    check = subprocess.run(
        _as_owner(["test", "-w", str(folder), "-a", "-x", str(folder)]), check=False
    )
    return check.returncode == 0


def _state_dir() -> Path:
    """Folder holding the data and log; in the cache unless ``postgres`` cannot reach it."""
    cache = cache_dir()
    folder = cache / "postgres"
    folder.mkdir(exist_ok=True)
    _chown(folder)
    if _owner_can_write(folder):
        return folder
    digest = hashlib.sha256(str(cache).encode()).hexdigest()[:12]
    fallback = Path("/tmp") / f"kong_orm-{digest}" / "postgres"
    fallback.mkdir(parents=True, exist_ok=True)
    _chown(fallback)
    log.debug("postgres cannot reach %s, using %s", folder, fallback)
    return fallback


def _data_dir(state: Path) -> Path:
    return state / "data"


def _log_file(state: Path) -> Path:
    return state / "postgres.log"


def _run(
    cmd: list[str], cwd: Path, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _init_cluster(bindir: Path, state: Path) -> None:
    """Create the cluster with ``initdb`` unless it already exists."""
    data = _data_dir(state)
    if (data / "PG_VERSION").exists():
        return
    if data.exists():
        shutil.rmtree(data)
    pwfile = state / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    pwfile.chmod(0o600)
    _chown(pwfile)
    log.info("creating a PostgreSQL cluster in %s", data)
    cmd = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        USER,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    ]
    result = _run(_as_owner(cmd), cwd=state)
    pwfile.unlink()
    if result.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        raise ServerError(f"initdb failed:\n{result.stdout}{result.stderr}")
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude_if_exists = 'kong_orm.conf'\n")


def _write_settings(state: Path, tls: ServerTls | None) -> None:
    settings = _SETTINGS.format(port=port())
    if tls is not None:
        _install_tls(_data_dir(state), tls)
        settings += _TLS_SETTINGS
    conf = _data_dir(state) / "kong_orm.conf"
    conf.write_text(settings)
    _chown(conf)


def _install_tls(data: Path, tls: ServerTls) -> None:
    """Copy the TLS files into the data folder, owned by the server's user
    (PostgreSQL refuses a key file others can read)."""
    files = {"server.crt": tls.certificate, "server.key": tls.key, "client-ca.crt": tls.client_authority}
    for name, source in files.items():
        target = data / name
        shutil.copyfile(source, target)
        target.chmod(0o600)
        _chown(target)


def _server_status(bindir: Path, state: Path) -> bool:
    data = _data_dir(state)
    if not (data / "PG_VERSION").exists():
        return False
    result = _run(
        _as_owner([str(bindir / "pg_ctl"), "status", "-D", str(data)]), cwd=state
    )
    return result.returncode == 0


def _running_port(state: Path) -> int | None:
    """Port recorded in ``postmaster.pid`` by the running server."""
    try:
        lines = (_data_dir(state) / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def _psql(
    bindir: Path, sql: str, database: str = "postgres"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGPASSWORD": PASSWORD, "PGCONNECT_TIMEOUT": "3"}
    cmd = [
        str(bindir / "psql"),
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        LOCALHOST,
        "-p",
        str(port()),
        "-U",
        USER,
        "-d",
        database,
        "-c",
        sql,
    ]
    return subprocess.run(
        cmd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _wait_ready(bindir: Path, state: Path) -> None:
    """Poll until ``SELECT 1`` succeeds over TCP with the test credentials."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        result = _psql(bindir, "SELECT 1")
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise ServerError(
                f"PostgreSQL did not accept connections on port {port()} within {START_TIMEOUT:.0f} s: "
                f"{result.stderr.strip()}\n--- last lines of {_log_file(state)} ---\n{tail(_log_file(state))}"
            )
        time.sleep(POLL_INTERVAL)


def _ensure_database(bindir: Path) -> None:
    found = _psql(bindir, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
    if found.returncode == 0 and found.stdout.strip() == "1":
        return
    created = _psql(bindir, f'CREATE DATABASE "{DATABASE}" OWNER "{USER}"')
    if created.returncode != 0:
        raise ServerError(
            f"could not create database {DATABASE}: {created.stderr.strip()}"
        )
    log.info("created database %s", DATABASE)


def _launch(bindir: Path, state: Path) -> None:
    if port_open(port()):
        raise ServerError(
            f"port {port()} on {LOCALHOST} is already used by another program; set KONG_ORM_PG_PORT"
        )
    logfile = _log_file(state)
    if not logfile.exists():
        logfile.touch()
        _chown(logfile)
    log.info("starting PostgreSQL on %s:%d", LOCALHOST, port())
    cmd = [
        str(bindir / "pg_ctl"),
        "start",
        "-D",
        str(_data_dir(state)),
        "-l",
        str(logfile),
        "-w",
        "-t",
        str(int(START_TIMEOUT)),
    ]
    result = _run(_as_owner(cmd), cwd=state, timeout=START_TIMEOUT + 30)
    if result.returncode != 0:
        raise ServerError(
            f"pg_ctl start failed (exit {result.returncode}): {result.stdout}{result.stderr}"
            f"--- last lines of {logfile} ---\n{tail(logfile)}"
        )


def start(*, tls: ServerTls | None = None) -> bool:
    """Start the server (idempotent) and wait until it answers; True if this call launched it.

    :param tls: serve TLS with these files (when this call launches the server).
    """
    bindir = _bin_dir(install=True)
    state = _state_dir()
    _init_cluster(bindir, state)
    launched = False
    if _server_status(bindir, state):
        running = _running_port(state)
        if running is not None and running != port():
            raise ServerError(
                f"the test PostgreSQL is already running on port {running}, not {port()}; stop it first"
            )
        log.info("PostgreSQL is already running on port %d", port())
    else:
        _write_settings(state, tls)
        _launch(bindir, state)
        launched = True
    _wait_ready(bindir, state)
    _ensure_database(bindir)
    return launched


def stop() -> bool:
    """Stop the server with ``pg_ctl stop -m fast``; True if it was running."""
    folder = _find_bin_dir()
    if folder is None:
        return False
    state = _state_dir()
    if not _server_status(folder, state):
        log.info("PostgreSQL is not running")
        return False
    log.info("stopping PostgreSQL")
    cmd = [
        str(folder / "pg_ctl"),
        "stop",
        "-D",
        str(_data_dir(state)),
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
    ]
    result = _run(_as_owner(cmd), cwd=state)
    if result.returncode != 0:
        raise ServerError(f"pg_ctl stop failed: {result.stdout}{result.stderr}")
    return True


def is_running() -> bool:
    """Tell whether the test server (of this cache folder) is running."""
    folder = _find_bin_dir()
    return folder is not None and _server_status(folder, _state_dir())


def restart() -> None:
    """Stop the server if it runs, then start it again on the same data."""
    stop()
    start()


def describe() -> str:
    """One line about the server's state, for ``status``."""
    state = _state_dir()
    if not is_running():
        return f"PostgreSQL: not running (data in {_data_dir(state)})"
    return f"PostgreSQL: running on port {_running_port(state)}, {url()} (data in {_data_dir(state)})"
