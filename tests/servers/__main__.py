"""Command line: ``python -m tests.servers SERVER ACTION [NODE]``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from types import ModuleType

from . import cassandra, cassandra_cluster, postgres
from ._common import ServerError

EXIT_NOT_RUNNING = 3

SERVERS: dict[str, tuple[ModuleType, list[str]]] = {
    "postgres": (postgres, ["start", "stop", "status", "restart", "url"]),
    "cassandra": (cassandra, ["fetch", "start", "stop", "status", "restart", "url"]),
    "cassandra-cluster": (
        cassandra_cluster,
        ["start", "stop", "status", "restart", "url", "stop-node", "kill-node", "start-node"],
    ),
}
NODE_ACTIONS = {
    "stop-node": cassandra_cluster.stop_node,
    "kill-node": cassandra_cluster.kill_node,
    "start-node": cassandra_cluster.start_node,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.servers",
        description="Run the real database servers used by the kong_orm tests.",
        epilog=f"'status' exits with {EXIT_NOT_RUNNING} when the server is not running.",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="only print warnings and errors"
    )
    servers = parser.add_subparsers(dest="server", required=True, metavar="SERVER")
    for name, (_, actions) in SERVERS.items():
        sub = servers.add_parser(name, help=f"manage the test {name} server")
        sub.add_argument("action", choices=actions)
        if any(action in NODE_ACTIONS for action in actions):
            sub.add_argument(
                "node", nargs="?", type=int, help="node number (1-based), for the *-node actions"
            )
    return parser


def _start(name: str, module: ModuleType) -> None:
    began = time.monotonic()
    launched = module.start()
    elapsed = time.monotonic() - began
    if launched:
        print(f"{name} started in {elapsed:.1f} s: {module.url()}")
    else:
        print(f"{name} already running: {module.url()}")


def _node_action(server: str, action: str, node: int | None) -> int:
    if node is None:
        raise ServerError(f"{server} {action} needs a node number")
    began = time.monotonic()
    if NODE_ACTIONS[action](node):
        print(f"{server}: {action} {node} done in {time.monotonic() - began:.1f} s")
    else:
        print(f"{server}: node {node} was already {'running' if action == 'start-node' else 'down'}")
    return 0


def run(server: str, action: str, node: int | None = None) -> int:
    """Carry out one action (``node``: for the ``*-node`` actions); return the exit code."""
    module = SERVERS[server][0]
    if action in NODE_ACTIONS:
        return _node_action(server, action, node)
    if action == "url":
        print(module.url())
    elif action == "status":
        print(module.describe())
        return 0 if module.is_running() else EXIT_NOT_RUNNING
    elif action == "fetch":
        began = time.monotonic()
        if module.fetch():
            print(f"{server} fetched in {time.monotonic() - began:.1f} s")
    elif action == "start":
        _start(server, module)
    elif action == "stop":
        began = time.monotonic()
        if module.stop():
            print(f"{server} stopped in {time.monotonic() - began:.1f} s")
    elif action == "restart":
        module.stop()
        _start(server, module)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m tests.servers``."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        return run(args.server, args.action, getattr(args, "node", None))
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
