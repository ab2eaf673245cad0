"""One streaming run in a process of its own: every row of ``consumers``,
the rows per second and how much the process's peak RSS grew.

:func:`stream_in_subprocess` starts ``python -m benchmarks.streaming`` for each
run, so one run's peak cannot hide another's. The child connects and reads one
row (connections open, statements prepared), resets its peak-RSS mark to the
RSS of the moment (``/proc/self/clear_refs``), streams every row, and reads the
mark again (``VmHWM`` in ``/proc/self/status``): the growth is the peak during
streaming over the RSS before it. ``getrusage``'s ``ru_maxrss`` would not do:
a child starts with its parent's peak, which hides anything smaller. Nor is
``tracemalloc`` used: it slows every allocation several-fold, which would
distort the rows/s of the same run, and it misses the drivers' memory outside
Python's allocator.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.backends import KONG
from benchmarks.contenders import TIMEOUT, Contender

ROOT = Path(__file__).resolve().parents[1]


def memory_kb() -> dict[str, int]:
    """``VmRSS`` (resident now) and ``VmHWM`` (peak) of this process, in KiB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def reset_peak() -> bool:
    """Set the peak-RSS mark to the RSS of now (Linux 4.0+); whether it could."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def open_contender(backend: str, url: str, who: str) -> tuple[Contender, Any]:
    """kong_orm or the raw driver on ``url``; the second value is closed at the end."""
    if who == KONG:
        import kong_orm
        from benchmarks.contenders.kong import KongOrm

        factory = kong_orm.create_factory(kong_orm.Config.from_url(url, timeout=TIMEOUT))
        return KongOrm(factory), factory
    if backend == "cassandra":
        from benchmarks.contenders.cassandra import Driver

        raw: Contender = Driver(url)
    elif backend == "postgres":
        from benchmarks.contenders.dbapi import Psycopg2

        raw = Psycopg2(url)
    else:
        from benchmarks.contenders.dbapi import Sqlite3, sqlite_path

        raw = Sqlite3(sqlite_path(url))
    return raw, raw


def run(backend: str, url: str, who: str, page_size: int) -> dict[str, Any]:
    contender, owner = open_contender(backend, url, who)
    try:
        contender.find_page(1)  # type: ignore[attr-defined]
        reset = reset_peak()
        before = memory_kb()
        start = time.perf_counter()
        rows = contender.stream(page_size)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - start
        after = memory_kb()
        base = before["VmRSS"] if reset else before["VmHWM"]
        return {
            "rows": rows,
            "seconds": seconds,
            "rows_per_s": rows / seconds if seconds else 0.0,
            "rss_before_kb": before["VmRSS"],
            "peak_rss_kb": after["VmHWM"],
            "growth_kb": after["VmHWM"] - base,
            "rss_after_kb": after["VmRSS"],
            "peak_reset": reset,
        }
    finally:
        owner.close()


def stream_in_subprocess(backend: str, url: str, who: str, page_size: int, timeout: float) -> dict[str, Any]:
    """One run in a fresh interpreter; its figures, or ``{"error": ...}``."""
    command = [sys.executable, "-m", "benchmarks.streaming", backend, url, who, str(page_size)]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {timeout:.0f} s"}
    if done.returncode != 0:
        last = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        return {"error": last[-1][:300]}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.streaming", description=__doc__)
    parser.add_argument("backend", choices=("sqlite", "postgres", "cassandra"))
    parser.add_argument("url")
    parser.add_argument("who", choices=(KONG, "raw"))
    parser.add_argument("page_size", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.backend, args.url, args.who, args.page_size)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
