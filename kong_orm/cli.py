"""``kong-orm``: migrations and a health check from the shell. Thin: every command is one factory call.

Exit codes: 0 on success, 1 on an error (unreachable store, bad config),
2 for ``check`` when the store answers but migrations are pending.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping

from kong_orm.config import ENV_VAR, Config
from kong_orm.errors import DAOError
from kong_orm.factory import DAOFactory

EXIT_ERROR = 1
EXIT_PENDING = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kong-orm", description="Manage a kong_orm database.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--url", help=f"database URL (default: ${ENV_VAR}, else sqlite:///kong_orm.db)")
    source.add_argument("--config", metavar="FILE", help="YAML configuration file")
    parser.add_argument(
        "--plugins", metavar="NAMES", help="comma-separated plugins to serve (default: the config's, else all known)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every migration step")
    commands = parser.add_subparsers(dest="command", required=True)
    migrations = commands.add_parser("migrations", help="apply, list or reset migrations")
    migrations.add_argument("action", choices=["up", "list", "reset"])
    commands.add_parser("check", help="whether the store answers and its schema is current")
    return parser


def _config(args: argparse.Namespace) -> Config:
    if args.config:
        return Config.from_file(args.config)
    return Config.from_url(args.url) if args.url else Config.from_env()


def _print_each(migrations: Mapping[str, list[str]], verb: str) -> None:
    for component, names in migrations.items():
        for name in names:
            print(f"{component}: {verb} {name}")


def _migrations(factory: DAOFactory, action: str) -> int:
    if action == "up":
        applied = factory.run_migrations()
        _print_each(applied, "applied")
        if not applied:
            print("database is up to date")
    elif action == "list":
        current = factory.current_migrations()
        _print_each(current, "has")
        _print_each(factory.pending_migrations(), "lacks")
        if not current:
            print("no migrations applied")
    else:
        factory.drop_schema()
        print("schema dropped")
    return 0


def _check(factory: DAOFactory) -> int:
    pending = factory.pending_migrations()
    if pending:
        _print_each(pending, "lacks")
        print(f"{factory.database}: reachable, migrations pending: run 'kong-orm migrations up'")
        return EXIT_PENDING
    print(f"{factory.database}: reachable, schema current")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kong-orm`` command."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        plugins = None if args.plugins is None else [name.strip() for name in args.plugins.split(",") if name.strip()]
        with DAOFactory(_config(args), plugins=plugins) as factory:
            if args.command == "check":
                return _check(factory)
            return _migrations(factory, args.action)
    except (DAOError, ValueError) as exc:
        print(f"kong-orm: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
