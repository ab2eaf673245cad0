"""Helpers shared by the PostgreSQL and Cassandra test server managers."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("tests.servers")

LOCALHOST = "127.0.0.1"


class ServerError(RuntimeError):
    """A test server could not be fetched, started or stopped."""


@dataclass(frozen=True)
class ServerTls:
    """TLS files of a test server (PEM): its certificate, its unencrypted
    private key, and the authority whose client certificates it accepts."""

    certificate: Path
    key: Path
    client_authority: Path


def repo_root() -> Path:
    """Return the git work tree holding the current directory, else the current directory."""
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / ".git").exists():
            return candidate
    return cwd


def cache_dir() -> Path:
    """Return (and create) the folder holding server state: ``$KONG_ORM_CACHE_DIR`` or ``<repo>/.cache``."""
    override = os.environ.get("KONG_ORM_CACHE_DIR")
    path = Path(override).expanduser() if override else repo_root() / ".cache"
    path = path.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def env_port(name: str, default: int) -> int:
    """Read a TCP port number from the environment variable ``name``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ServerError(f"{name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ServerError(f"{name}={port} is out of range")
    return port


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port nothing listens on now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_open(port: int, host: str = LOCALHOST, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a text file (empty if it does not exist)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except OSError:
        return ""


def apt_install(*packages: str) -> None:
    """Install Debian packages with apt-get (needs root); raise ServerError otherwise."""
    names = " ".join(packages)
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServerError(
            f"missing software: install the Debian package(s) {names} (as root: apt-get install -y {names})"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log.info("installing %s with apt-get", names)
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
        result = subprocess.run(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr, check=False
        )
        if result.returncode != 0:
            raise ServerError(
                f"{' '.join(cmd)} failed with exit code {result.returncode}"
            )
