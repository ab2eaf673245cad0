"""``python -m benchmarks.scale``: what a call costs as the table grows, and streaming every row.

For each size, smallest first, the ``consumers`` table grows to that many
rows, loaded through the raw driver (not measured; the load rate is printed),
and is settled (PostgreSQL: ``VACUUM ANALYZE``; Cassandra: its compactions
waited for). Then kong_orm and the raw driver, in turn:

- per call, median (p90) over every call of every round: ``find`` by primary
  key, ``find_page`` (the first page, and the page at the middle of the table
  through its offset), ``count()``, and ``count`` of an indexed column;
- streaming every row, each run in a fresh process (:mod:`benchmarks.streaming`):
  kong_orm's ``stream()`` against the driver's own paging, rows/s and the
  growth of the process's peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.backends import KONG, Setup, open_backend
from benchmarks.cli import chosen_backends, machine, progress_logger, server_url, versions
from benchmarks.contenders import Contender
from benchmarks.pinning import Pinning
from benchmarks.report import errors, scale_table, stream_table
from benchmarks.runner import Summary
from benchmarks.streaming import stream_in_subprocess
from benchmarks.timing import Samples, run_serial
from benchmarks.workload import Call, Row, new_row

OPS = ("find", "find_page", "find_page_at", "count", "count_by")
LOAD_CHUNK = 50_000
STREAM_TIMEOUT = 3600.0
RSS_TARGET_MB = 50.0
SPEED_TARGET = 2.0
TARGETED = ("postgres", "cassandra")
"""The stores the streaming targets are set for (the issue's); SQLite's figures are shown without one."""
NOTE = (
    "us per call, median (p90) over every call of {rounds} rounds, one thread.\n"
    "find: by primary key; find_page: first page of {page} rows; find_page_at: the page of {page} rows at\n"
    "the middle of the table, through its offset; count: every row; count_by: rows of one username (indexed)."
)
STREAM_NOTE = (
    "Streaming every row, {runs} run(s) each, every run in a fresh process: median rows/s; RSS growth =\n"
    "the largest over the runs of (peak RSS while streaming - RSS before), in MB (VmHWM, reset first).\n"
    "kong_orm: stream(page_size={size}); raw: {raw}.\n"
    "Targets (PostgreSQL and Cassandra): growth < {rss:.0f} MB, raw/kong_orm <= {speed:.0f}x."
)
RAW_PAGING = {
    "sqlite": "a sqlite3 cursor iterated",
    "postgres": "a psycopg2 named (server-side) cursor, itersize {size}",
    "cassandra": "a driver Session with fetch_size {size}",
}


@dataclass
class Sample:
    """A uniform random sample of the rows loaded so far (reservoir sampling): keys to look up."""

    capacity: int = 2000
    seen: int = 0
    ids: list[uuid.UUID] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def add(self, rows: list[Row]) -> None:
        for row in rows:
            self.seen += 1
            if len(self.ids) < self.capacity:
                self.ids.append(row["id"])
                self.usernames.append(row["username"])
                continue
            slot = self.rng.randrange(self.seen)
            if slot < self.capacity:
                self.ids[slot], self.usernames[slot] = row["id"], row["username"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", help="comma-separated: sqlite,postgres,cassandra "
                        "(default: sqlite and every server with a URL)")
    parser.add_argument("--postgres-url", help="default $KONG_ORM_BENCH_POSTGRES_URL or $KONG_ORM_TEST_POSTGRES_URL")
    parser.add_argument("--cassandra-url", help="default $KONG_ORM_BENCH_CASSANDRA_URL or $KONG_ORM_TEST_CASSANDRA_URL")
    parser.add_argument("--sqlite-url", help="default: a file in a temporary directory")
    parser.add_argument("--sizes", default="1000,100000,1000000", help="table sizes (default 1000,100000,1000000)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per size, after a warm-up (default 3)")
    parser.add_argument("--calls", type=int, default=100, help="calls per op per round (default 100)")
    parser.add_argument("--count-calls", type=int, default=3, help="count() calls per round (default 3)")
    parser.add_argument("--page-size", type=int, default=100, help="find_page size (default 100)")
    parser.add_argument("--stream-page-size", type=int, default=1000, help="stream page size (default 1000)")
    parser.add_argument("--stream-runs", type=int, default=3, help="streaming runs of each per size (default 3)")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    parser.add_argument("--no-pin", action="store_true", help="leave CPU affinities alone")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and counts: a quick check that it runs "
                        "(sqlite unless server URLs are given on the command line)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.rounds, args.calls, args.count_calls = "30,120", 1, 3, 1
        args.page_size, args.stream_page_size, args.stream_runs = 10, 50, 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted({int(n) for n in args.sizes.split(",")})
    log = progress_logger()
    out: dict[str, Any] = {"versions": versions(), "machine": machine(), "settings": vars(args), "backends": {}}
    print(f"versions: {', '.join(f'{k} {v}' for k, v in out['versions'].items())}")
    client = Pinning()
    cores = None if args.no_pin else Pinning.cores()
    out["pinned"] = [client.pin_self(cores[0]) if cores else "benchmark: not pinned (--no-pin or one CPU)"]
    print(f"pinned: {out['pinned'][0]}")
    try:
        for backend in chosen_backends(args):
            out["backends"][backend] = run_backend(args, backend, sizes, cores, log)
    finally:
        client.restore()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2, default=str)
        print(f"wrote {args.json}")
    failed = [f"{b}: {line}" for b, result in out["backends"].items() for line in result["errors"]]
    for line in failed:
        print(f"ERROR {line}", file=sys.stderr)
    return 1 if failed else 0


def run_backend(
    args: argparse.Namespace, backend: str, sizes: list[int], cores: tuple[int, int] | None, log: Callable[[str], None]
) -> dict[str, Any]:
    log(f"{backend}: setting up")
    setup = open_backend(backend, server_url(args, backend), 1)
    pair = [c for c in setup.contenders if c.name in (KONG, setup.raw)]
    result: dict[str, Any] = {"raw": setup.raw, "sizes": {}, "pinned": [], "errors": []}
    load_before = os.getloadavg()[0]
    sample = Sample()
    try:
        for size in sizes:
            load = grow(setup, size, sample, log)
            figures: dict[str, Any] = {"load": load, "settle": setup.admin.settle()}
            result["sizes"][str(size)] = figures
            log(f"  {backend}, {size} rows: loaded {_load_text(figures['load'])}; {figures['settle']}")
            server = Pinning()
            try:
                result["pinned"] = _pin_server(setup, server, cores)
                positions = {c.name: c.position_at(max(1, size // 2)) for c in pair}  # type: ignore[attr-defined]
                figures["middle_page_agrees"] = _same_first_row(pair, positions)
                figures["calls"] = measure_calls(pair, positions, sample, args, log)
                figures["stream"] = measure_streams(setup, size, args, log)
            finally:
                server.restore()
            result["errors"] += _errors(size, figures)
            _print_size(setup, size, figures, result["pinned"], args)
        result["loadavg_1m"] = {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)}
        print(f"{backend}: load average (1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        return result
    finally:
        setup.factory.truncate_tables()
        setup.close()


def grow(setup: Setup, size: int, sample: Sample, log: Callable[[str], None]) -> dict[str, Any]:
    """Load rows through the raw driver until the table holds ``size``; how long it took."""
    more = size - sample.seen
    start = time.perf_counter()
    while sample.seen < size:
        chunk = [new_row() for _ in range(min(LOAD_CHUNK, size - sample.seen))]
        setup.admin.load(chunk)
        sample.add(chunk)
        if sample.seen % (10 * LOAD_CHUNK) == 0:
            log(f"  {setup.backend}: {sample.seen} rows loaded")
    seconds = time.perf_counter() - start
    return {"rows": more, "seconds": round(seconds, 2), "rows_per_s": round(more / seconds) if seconds else None}


def measure_calls(
    pair: list[Contender], positions: dict[str, Any], sample: Sample, args: argparse.Namespace,
    log: Callable[[str], None],
) -> Summary:
    """Median and p90 per op of kong_orm and the raw driver, in alternating order, after a warm-up round.

    ``positions``: where each contender's page at the middle of the table starts.
    """
    samples = {op: {c.name: Samples() for c in pair} for op in OPS}
    for number in range(-1, args.rounds):
        log(f"  {sample.seen} rows: {'warm-up' if number < 0 else f'round {number + 1}/{args.rounds}'}")
        for op in OPS:
            for contender in pair[number % 2:] + pair[:number % 2]:
                calls = _calls(op, sample, number, args, positions[contender.name])
                found = samples[op][contender.name]
                times = _timed(getattr(contender, op), calls, found)
                if number >= 0:
                    found.values += times
    return {op: {c.name: samples[op][c.name].summary() for c in pair} for op in OPS}


def _same_first_row(pair: list[Contender], positions: dict[str, Any]) -> bool:
    """Whether every contender's page at the middle starts with the same row (a check on the positions)."""
    firsts = set()
    for contender in pair:
        found = contender.find_page_at(positions[contender.name], 1)  # type: ignore[attr-defined]
        rows = found[0] if isinstance(found, tuple) else found
        first = rows[0]["id"] if isinstance(rows[0], dict) else rows[0][0]
        firsts.add(uuid.UUID(str(first)))
    return len(firsts) == 1


def _calls(op: str, sample: Sample, number: int, args: argparse.Namespace, position: Any) -> list[Call]:
    n = min(args.calls, 10) if number < 0 else args.calls
    pick = random.Random(f"{number}-{op}")
    if op == "find":
        return [Call((pick.choice(sample.ids),)) for _ in range(n)]
    if op == "find_page":
        return [Call((args.page_size,)) for _ in range(n)]
    if op == "find_page_at":
        return [Call((position, args.page_size)) for _ in range(n)]
    if op == "count":
        return [Call(()) for _ in range(1 if number < 0 else args.count_calls)]
    if op == "count_by":
        return [Call((pick.choice(sample.usernames),)) for _ in range(n)]
    raise ValueError(op)


def _timed(method: Callable[..., Any], calls: list[Call], found: Samples) -> list[float]:
    if found.error is not None:
        return []
    try:
        return run_serial(method, calls)
    except Exception as exc:  # shown in the table and the JSON, not fatal to the other ops
        found.error = f"{type(exc).__name__}: {exc}"[:300]
        return []


def measure_streams(setup: Setup, size: int, args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """kong_orm's stream() and the raw driver's paging over every row, each run in a fresh process."""
    runs: dict[str, list[dict[str, Any]]] = {KONG: [], "raw": []}
    for number in range(args.stream_runs):
        for who in [KONG, "raw"][number % 2:] + [KONG, "raw"][:number % 2]:
            log(f"  {size} rows: streaming, {who}, run {number + 1}/{args.stream_runs}")
            figures = stream_in_subprocess(setup.backend, setup.url, who, args.stream_page_size, STREAM_TIMEOUT)
            if "error" not in figures and figures["rows"] != size:
                figures["error"] = f"streamed {figures['rows']} rows of {size}"
            runs[who].append(figures)
    return {"runs": runs, **_stream_summary(runs, setup.backend in TARGETED)}


def _stream_summary(runs: dict[str, list[dict[str, Any]]], targeted: bool) -> dict[str, Any]:
    good = {who: [r for r in found if "error" not in r] for who, found in runs.items()}
    if not all(good.values()):
        return {"errors": [r["error"] for found in runs.values() for r in found if "error" in r]}
    speed = {who: statistics.median(r["rows_per_s"] for r in found) for who, found in good.items()}
    growth = {who: max(r["growth_kb"] for r in found) / 1024 for who, found in good.items()}
    ratio = speed["raw"] / speed[KONG]
    return {
        "rows_per_s": {who: round(value) for who, value in speed.items()},
        "growth_mb": {who: round(value, 1) for who, value in growth.items()},
        "raw_over_kong": round(ratio, 2),
        "targets_met": growth[KONG] < RSS_TARGET_MB and ratio <= SPEED_TARGET if targeted else None,
        "errors": [r["error"] for found in runs.values() for r in found if "error" in r],
    }


def _pin_server(setup: Setup, server: Pinning, cores: tuple[int, int] | None) -> list[str]:
    if cores is None or setup.server_port is None:
        return [] if setup.backend == "sqlite" else [f"{setup.backend} server: not pinned"]
    return [server.pin_server(f"{setup.backend} server", setup.server_port, cores[1])]


def _errors(size: int, figures: dict[str, Any]) -> list[str]:
    found = errors(figures["calls"]) + figures["stream"]["errors"]
    if not figures["middle_page_agrees"]:
        found.append("the pages at the middle of the table start at different rows")
    return [f"{size} rows: {line}" for line in found]


def _load_text(load: dict[str, Any]) -> str:
    rate = f", {load['rows_per_s']} rows/s" if load["rows_per_s"] else ""
    return f"{load['rows']} more rows in {load['seconds']} s{rate}"


def _print_size(
    setup: Setup, size: int, figures: dict[str, Any], pinned: list[str], args: argparse.Namespace
) -> None:
    print(f"== {setup.backend}, {size} rows (loaded through the raw driver, not timed: {_load_text(figures['load'])}; "
          f"{figures['settle']})")
    for line in pinned:
        print(f"pinned: {line}")
    print(scale_table("per call", {str(size): figures["calls"]}, [KONG, setup.raw]))
    print(NOTE.format(rounds=args.rounds, page=args.page_size))
    raw = RAW_PAGING[setup.backend].format(size=args.stream_page_size)
    print(stream_table({str(size): figures["stream"]}, setup.raw))
    print(STREAM_NOTE.format(runs=args.stream_runs, size=args.stream_page_size, raw=raw,
                             rss=RSS_TARGET_MB, speed=SPEED_TARGET), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
