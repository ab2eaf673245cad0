"""Where a factory's data lives: a URL, a dict, the environment or a YAML file."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

ENV_VAR = "KONG_ORM_DATABASE_URL"
DEFAULT_URL = "sqlite:///kong_orm.db"
_SECRET_OPTIONS = ("password", "offset_secret")
_DATABASE_OF_SCHEME = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "sqlite": "sqlite",
    "cassandra": "cassandra",
}


@dataclass(frozen=True)
class Config:
    """A factory's configuration.

    :param database: the backend: ``postgres``, ``sqlite`` or ``cassandra``.
    :param url: the database URL, when given as one.
    :param options: the backend's settings (the YAML section, or the URL's
        query parameters), such as ``timeout`` or ``consistency``.

    Example: ``Config.from_url("postgresql://kong:secret@127.0.0.1:5432/kong")``
    """

    database: str
    url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Config:
        """Read ``postgresql://``, ``sqlite:///path``, ``sqlite://`` or ``cassandra://`` URLs."""
        scheme = urlsplit(url).scheme.split("+", 1)[0].lower()
        if scheme not in _DATABASE_OF_SCHEME:
            raise ValueError(f"unsupported database URL scheme {scheme!r} in {_redact(url)}")
        query = dict(parse_qsl(urlsplit(url).query))
        return cls(_DATABASE_OF_SCHEME[scheme], url, {**query, **options})

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any]) -> Config:
        """Read ``{"url": ...}`` or a kong.yml-like ``{"database": name, name: {...}}``."""
        if "url" in settings:
            options = {k: v for k, v in settings.items() if k != "url"}
            return cls.from_url(settings["url"], **options)
        if "database" not in settings:
            raise ValueError("config needs a 'url' or a 'database' key")
        database = _DATABASE_OF_SCHEME.get(settings["database"], settings["database"])
        section = dict(settings.get(settings["database"]) or settings.get(database) or {})
        url = section.pop("url", None)
        return cls(database, url, section)

    @classmethod
    def from_env(cls, variable: str = ENV_VAR) -> Config:
        """Read the URL in ``$KONG_ORM_DATABASE_URL`` (the embedded SQLite file when unset)."""
        return cls.from_url(os.environ.get(variable) or DEFAULT_URL)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Config:
        """Read a YAML file: ``database: postgres|cassandra|sqlite`` and a section per database."""
        settings = yaml.safe_load(Path(path).read_text())
        if not isinstance(settings, Mapping):
            raise ValueError(f"{path}: expected a mapping at the top level")
        return cls.from_dict(settings)

    def __repr__(self) -> str:
        secret_free = {k: ("***" if k in _SECRET_OPTIONS else v) for k, v in self.options.items()}
        url = _redact(self.url) if self.url else None
        return f"Config(database={self.database!r}, url={url!r}, options={secret_free!r})"


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


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
