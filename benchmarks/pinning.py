"""CPU pinning: the benchmark on one core, the server it talks to on another.

On a small machine the scheduler moving client and server between cores
swings a round trip several-fold; pinning makes rounds comparable. Servers
are found by the local TCP port they listen on (``/proc/net/tcp``): every
thread of the listening process and of its children (PostgreSQL's backends
are children of the postmaster; new ones inherit its affinity). What was
changed is put back by :meth:`Pinning.restore`.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

LISTEN = "0A"
PROC = Path("/proc")


def listening_pids(port: int) -> set[int]:
    """Processes listening on local TCP ``port`` (empty when none is visible)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{inode}]")
    return {pid for pid in _pids() if inodes & _fd_targets(pid)} if inodes else set()


def _pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def _fd_targets(pid: int) -> set[str]:
    try:
        return {os.readlink(fd) for fd in (PROC / str(pid) / "fd").iterdir()}
    except OSError:
        return set()


def children(parent: int) -> list[int]:
    found = []
    for pid in _pids():
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(pid)
    return found


def threads(pid: int) -> list[int]:
    try:
        return [int(t.name) for t in (PROC / str(pid) / "task").iterdir()]
    except OSError:
        return []


def process_name(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


class Pinning:
    """Affinity changes made so far, with what each thread had before."""

    def __init__(self) -> None:
        self._before: dict[int, set[int]] = {}
        self._roots: list[int] = []

    @staticmethod
    def cores() -> tuple[int, int] | None:
        """(client core, server core), or ``None`` with fewer than two usable cores."""
        usable = sorted(os.sched_getaffinity(0))
        return (usable[0], usable[1]) if len(usable) >= 2 else None

    def pin_self(self, core: int) -> str:
        self._set(0, {core})
        return f"benchmark (pid {os.getpid()}) on cpu {core}"

    def pin_server(self, label: str, port: int, core: int) -> str:
        """Pin the processes listening on ``port`` and their children; say what was done."""
        roots = listening_pids(port)
        if not roots:
            return f"{label}: no process listening on port {port} is visible here; not pinned"
        pinned_processes, pinned_threads = 0, 0
        for root in roots:
            self._roots.append(root)
            for pid in [root, *children(root)]:
                done = sum(self._set(tid, {core}) for tid in threads(pid))
                pinned_processes += done > 0
                pinned_threads += done
        names = ", ".join(f"{process_name(pid)} {pid}" for pid in sorted(roots))
        if not pinned_threads:
            return f"{label} ({names}): could not change its affinity; not pinned"
        return f"{label} ({names}, {pinned_processes} processes, {pinned_threads} threads) on cpu {core}"

    def restore(self) -> None:
        """Put back every affinity changed, including threads and children started since."""
        for root in self._roots:
            original = self._before.get(root)
            if original is None:
                continue
            for pid in [root, *children(root)]:
                for tid in threads(pid):
                    self._before.setdefault(tid, original)
        for tid, cpus in self._before.items():
            _try_set(tid, cpus)
        self._before.clear()
        self._roots.clear()

    def _set(self, tid: int, cpus: Iterable[int]) -> bool:
        try:
            before = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, set(cpus))
        except OSError:
            return False
        self._before.setdefault(tid or os.getpid(), before)
        return True


def _try_set(tid: int, cpus: set[int]) -> None:
    try:
        os.sched_setaffinity(tid, cpus)
    except OSError:
        pass
