"""``kong-orm``: migrations from the shell. Thin: every command is one factory call."""
from __future__ import annotations

import argparse
import logging
import sys

from kong_orm.config import ENV_VAR, Config
from kong_orm.errors import DAOError
from kong_orm.factory import DAOFactory


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kong-orm", description="Manage a kong_orm database.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--url", help=f"database URL (default: ${ENV_VAR}, else sqlite:///kong_orm.db)")
    source.add_argument("--config", metavar="FILE", help="YAML configuration file")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every migration step")
    commands = parser.add_subparsers(dest="command", required=True)
    migrations = commands.add_parser("migrations", help="apply, list or reset migrations")
    migrations.add_argument("action", choices=["up", "list", "reset"])
    return parser


def _config(args: argparse.Namespace) -> Config:
    if args.config:
        return Config.from_file(args.config)
    return Config.from_url(args.url) if args.url else Config.from_env()


def _migrations(factory: DAOFactory, action: str) -> None:
    if action == "up":
        applied = factory.run_migrations()
        for component, names in applied.items():
            print(f"{component}: applied {', '.join(names)}")
        if not applied:
            print("database is up to date")
    elif action == "list":
        current = factory.current_migrations()
        for component, names in current.items():
            print(f"{component}: {', '.join(names)}")
        if not current:
            print("no migrations applied")
    else:
        factory.drop_schema()
        print("schema dropped")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kong-orm`` command."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        with DAOFactory(_config(args)) as factory:
            _migrations(factory, args.action)
    except (DAOError, ValueError) as exc:
        print(f"kong-orm: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
