"""``python -m benchmarks``: kong_orm against the raw drivers, SQLAlchemy and cqlengine."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib import metadata
from typing import Any

from benchmarks.backends import KONG, Setup, open_backend
from benchmarks.pinning import Pinning
from benchmarks.report import errors, ratios, table
from benchmarks.runner import measure, populate
from benchmarks.workload import Sizes

BACKENDS = ("sqlite", "postgres", "cassandra")
URL_VARIABLES = {
    "postgres": ("KONG_ORM_BENCH_POSTGRES_URL", "KONG_ORM_TEST_POSTGRES_URL"),
    "cassandra": ("KONG_ORM_BENCH_CASSANDRA_URL", "KONG_ORM_TEST_CASSANDRA_URL"),
}
NOTE = (
    "us per call: median (p90); * = per row. {mode}\n"
    "{kong} / X = kong_orm's median over X's; n/a = not offered."
)
SINGLE = "One thread: every call timed, figures over all calls of all rounds."
MANY = "{n} threads: wall time per op at full throughput, figures over rounds."
PACKAGES = ("kong_orm", "SQLAlchemy", "psycopg2-binary", "cassandra-driver")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--backend", help="comma-separated: sqlite,postgres,cassandra "
                        "(default: sqlite and every server with a URL)")
    parser.add_argument("--postgres-url", help="default $KONG_ORM_BENCH_POSTGRES_URL or $KONG_ORM_TEST_POSTGRES_URL")
    parser.add_argument("--cassandra-url", help="default $KONG_ORM_BENCH_CASSANDRA_URL or $KONG_ORM_TEST_CASSANDRA_URL")
    parser.add_argument("--sqlite-url", help="default: a file in a temporary directory")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds, after one warm-up (default 5)")
    parser.add_argument("--calls", type=int, default=200, help="calls per op per round (default 200)")
    parser.add_argument("--rows", type=int, default=1000, help="rows in the table while measuring (default 1000)")
    parser.add_argument("--threads", default="1,8", help="thread counts to run (default 1,8)")
    parser.add_argument("--page-size", type=int, default=100, help="find_page size (default 100)")
    parser.add_argument("--batch", type=int, default=100, help="rows per insert_many call (default 100)")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    parser.add_argument("--no-pin", action="store_true", help="leave CPU affinities alone")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny counts, one round: a quick check that everything runs (sqlite "
                        "unless server URLs are given on the command line)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.calls, args.rows, args.batch = 1, 4, 20, 2
        args.threads = args.threads if "--threads" in (argv or sys.argv) else "1,2"
    return args


def server_url(args: argparse.Namespace, backend: str) -> str | None:
    given = getattr(args, f"{backend}_url")
    if given or backend == "sqlite" or args.smoke:
        return str(given) if given else None
    return next((os.environ[v] for v in URL_VARIABLES[backend] if os.environ.get(v)), None)


def chosen_backends(args: argparse.Namespace) -> list[str]:
    if args.backend:
        names = [name.strip() for name in args.backend.split(",") if name.strip()]
        unknown = set(names) - set(BACKENDS)
        if unknown:
            raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")
        return names
    return [name for name in BACKENDS if name == "sqlite" or server_url(args, name)]


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2), "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends = chosen_backends(args)
    thread_counts = [int(n) for n in args.threads.split(",")]
    sizes = Sizes(args.calls, args.page_size, args.batch)
    log = progress_logger()
    out: dict[str, Any] = {"versions": versions(), "machine": machine(), "settings": _settings(args), "backends": {}}
    print(f"versions: {', '.join(f'{k} {v}' for k, v in out['versions'].items())}")
    client = Pinning()
    cores = None if args.no_pin else Pinning.cores()
    pinned = _pin_client(client, cores, args.no_pin)
    failed: list[str] = []
    try:
        for backend in backends:
            result = _run_backend(args, backend, sizes, thread_counts, cores, log)
            out["backends"][backend] = result
            failed += [f"{backend}: {line}" for line in result.pop("_errors")]
    finally:
        client.restore()
    out["pinned"] = pinned + [line for r in out["backends"].values() for line in r["pinned"]]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {args.json}")
    for line in failed:
        print(f"ERROR {line}", file=sys.stderr)
    return 1 if failed else 0


def _pin_client(client: Pinning, cores: tuple[int, int] | None, off: bool) -> list[str]:
    if off:
        pinned = ["pinning off (--no-pin)"]
    elif cores is None:
        pinned = ["fewer than 2 CPUs: nothing pinned"]
    else:
        pinned = [client.pin_self(cores[0])]
    for line in pinned:
        print(f"pinned: {line}")
    return pinned


def _run_backend(
    args: argparse.Namespace, backend: str, sizes: Sizes, thread_counts: list[int], cores: tuple[int, int] | None,
    log: Any,
) -> dict[str, Any]:
    log(f"{backend}: setting up")
    setup = open_backend(backend, server_url(args, backend), max(thread_counts))
    server = Pinning()
    result: dict[str, Any] = {"contenders": [c.name for c in setup.contenders], "threads": {}, "_errors": []}
    load_before = os.getloadavg()[0]
    try:
        result["pinned"] = _pin_server(setup, server, cores)
        population = populate(setup, args.rows)
        for threads in thread_counts:
            summary = measure(setup, sizes, population, rounds=args.rounds, threads=threads,
                              warmup=not args.smoke, log=log)
            result["threads"][str(threads)] = {"ops": summary, "ratios": ratios(summary, result["contenders"][1:])}
            mode = SINGLE if threads == 1 else MANY.format(n=threads)
            title = f"== {backend}, {threads} thread{'s' if threads > 1 else ''}, {args.rows} rows in the table"
            print(table(title, summary, result["contenders"], NOTE.format(mode=mode, kong=KONG)), flush=True)
            result["_errors"] += errors(summary)
        load_after = os.getloadavg()[0]
        result["loadavg_1m"] = {"start": round(load_before, 2), "end": round(load_after, 2)}
        print(f"load average (1 min) on this machine: {load_before:.2f} at the start, {load_after:.2f} at the end")
        return result
    finally:
        server.restore()
        setup.factory.truncate_tables()
        setup.close()


def _pin_server(setup: Setup, server: Pinning, cores: tuple[int, int] | None) -> list[str]:
    if cores is not None and setup.server_port is not None:
        pinned = [server.pin_server(f"{setup.backend} server", setup.server_port, cores[1])]
    elif setup.backend != "sqlite":
        pinned = [f"{setup.backend} server: not on this machine or pinning off; not pinned"]
    else:
        pinned = []
    for line in pinned:
        print(f"pinned: {line}")
    return pinned


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("rounds", "calls", "rows", "threads", "page_size", "batch", "smoke")
    return {key: getattr(args, key) for key in keys}


def progress_logger() -> Any:
    start = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    return log
