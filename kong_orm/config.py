"""Where a factory's data lives: a URL, a dict, the environment or a YAML file.

Every form ends in the same checked :class:`Config`. URLs are read by
SQLAlchemy's ``make_url`` (a core dependency, not a driver): several hosts
(``cassandra://h1,h2:9042/kong``), IPv6 in brackets, escaped passwords. Each
option is then read by :mod:`kong_orm.options`, whatever form it came in.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import ArgumentError

from kong_orm.errors import ConfigError
from kong_orm.options import Database, Masked, database_named, is_database

ENV_VAR = "KONG_ORM_DATABASE_URL"
DEFAULT_SQLITE_PATH = "kong_orm.db"
"""The SQLite file of a config naming no store (the environment's fallback) or no SQLite path."""
DEFAULT_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"
URL_FORM = "scheme://[user[:password]@]host[,host...][:port]/name[?option=value&...]"
_URL_PARTS = ("username", "password", "host", "port", "database")


@dataclass(frozen=True)
class Config:
    """A factory's configuration, checked when it is made.

    :param database: the backend: ``postgres``, ``sqlite`` or ``cassandra``.
    :param url: the database URL, when given as one.
    :param options: the settings, typed: the URL's parts and query, or the
        YAML section, such as ``timeout`` (a float) or ``contact_points`` (a tuple).
        Secret values (``password``, ``offset_secret``) and the URL are
        strings whose repr hides the secrets they hold.
    :raises ConfigError: an unknown database or option, or a value an option
        cannot take.

    Example: ``Config.from_url("postgresql://kong:secret@127.0.0.1:5432/kong?timeout=5")``
    """

    database: str
    url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        database = database_named(self.database)
        object.__setattr__(self, "database", database.name)
        object.__setattr__(self, "options", database.validate(self.options))
        if self.url is not None:
            object.__setattr__(self, "url", Masked(self.url, _shown(self.url, database)))

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Config:
        """Read ``postgresql://``, ``sqlite:///path``, ``sqlite://`` or ``cassandra://`` URLs.

        :param url: the URL; its query holds options (``?timeout=5&plugins=key-auth,acl``).
        :param options: more options, winning over the URL's.
        """
        parsed = _parse(url)
        database = _database_of(parsed)
        return cls(database.name, url, {**_parts_of(parsed, database), **dict(parsed.query), **options})

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any]) -> Config:
        """Read ``{"url": ..., option: ...}`` or a kong.yml-like ``{"database": name, name: {...}}``.

        Top-level keys other than ``database`` and the per-database sections
        are options too (``plugins``, ``offset_secret``); the chosen section wins.
        A top-level ``database`` always names the store: beside a ``url`` it must
        name the URL's, and it never sets PostgreSQL's database name.
        """
        if "url" in settings:
            return cls._from_top_level_url(settings)
        if "database" not in settings:
            raise ConfigError("config needs a 'url' or a 'database' key")
        database = database_named(settings["database"])
        shared = {k: v for k, v in settings.items() if k != "database" and not is_database(k)}
        section = {**shared, **_section(settings, database)}
        url = section.pop("url", None)
        if url is None:
            return cls(database.name, None, section)
        config = cls.from_url(url, **section)
        if config.database != database.name:
            raise ConfigError(f"the {database.name} section's url is a {config.database} URL")
        return config

    @classmethod
    def _from_top_level_url(cls, settings: Mapping[str, Any]) -> Config:
        url = settings["url"]
        if "database" in settings:
            _check_url_is_a(database_named(settings["database"]), url)
        return cls.from_url(url, **{k: v for k, v in settings.items() if k not in ("url", "database")})

    @classmethod
    def from_env(cls, variable: str = ENV_VAR) -> Config:
        """Read the URL in ``$KONG_ORM_DATABASE_URL`` (the embedded SQLite file when unset)."""
        return cls.from_url(os.environ.get(variable) or DEFAULT_URL)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Config:
        """Read a YAML file: ``database: postgres|cassandra|sqlite`` and a section per database.

        :raises ConfigError: the file cannot be read, is not UTF-8 YAML, or is not a config.
        """
        settings = _load_yaml(path)
        if not isinstance(settings, Mapping):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        return cls.from_dict(settings)

    def __repr__(self) -> str:
        # the URL is left out: its parts and query are in the options, secrets masked
        options = database_named(self.database).masked(self.options)
        return f"Config(database={self.database!r}, options={options!r})"


def _load_yaml(path: str | os.PathLike[str]) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read config file {str(path)!r}: not UTF-8") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong and where, without the file's text (a line may hold a password)."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    if isinstance(exc, yaml.reader.ReaderError):
        return f"{exc.reason} (character {exc.position + 1})"
    return type(exc).__name__


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        # the URL itself is not repeated: it may hold a password
        raise ConfigError(f"cannot read the database URL; expected {URL_FORM}") from None


def _database_of(url: URL) -> Database:
    try:
        return database_named(url.drivername)
    except ConfigError as exc:
        raise ConfigError(f"unsupported database URL scheme {url.drivername!r}: {exc}") from None


def _check_url_is_a(database: Database, url: str) -> None:
    named = _database_of(_parse(url))
    if named.name != database.name:
        raise ConfigError(f"'database' is {database.name} but the url is a {named.name} URL")


def _shown(url: str, database: Database) -> str:
    """``url`` with its password and secret query values replaced by ``***``."""
    try:
        parsed = make_url(url)
        query = {name: "***" if _is_secret(name, database) else value for name, value in parsed.query.items()}
        return parsed.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")
    except (ArgumentError, ValueError):
        return "***"


def _is_secret(name: str, database: Database) -> bool:
    try:
        return database.option(name).secret
    except ConfigError:
        return True  # not an option: shown as nothing rather than guessed at


def _parts_of(url: URL, database: Database) -> dict[str, Any]:
    """The options the URL's user, password, host, port and path set."""
    values: dict[str, Any] = {}
    for part in _URL_PARTS:
        value = getattr(url, part)
        if value in (None, ""):
            continue
        if part not in database.url_parts:
            raise ConfigError(f"{database.name} URLs take no {part}")
        if part == "host" and "],[" in value:
            value = f"[{value}]"  # a list of IPv6 hosts keeps its brackets, split later
        values[database.url_parts[part]] = value
    return values


def _section(settings: Mapping[str, Any], database: Database) -> dict[str, Any]:
    section = settings.get(settings["database"]) or settings.get(database.name) or {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"the {database.name} section must be a mapping of options")
    return dict(section)


def as_config(config: str | Mapping[str, Any] | Config | None) -> Config:
    """Accept the forms ``create_factory`` takes; ``None`` reads the environment."""
    if config is None:
        return Config.from_env()
    if isinstance(config, Config):
        return config
    if isinstance(config, str):
        return Config.from_url(config)
    if isinstance(config, Mapping):
        return Config.from_dict(config)
    raise TypeError(f"config must be a URL, a dict or a Config, not {type(config).__name__}")
