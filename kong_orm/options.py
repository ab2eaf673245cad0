"""What each database's options take, checked the same way for URLs, dicts and YAML.

A raw value (a URL query string, or a YAML or Python value) becomes a typed one
here, or a :class:`~kong_orm.errors.ConfigError` that names the option and what
it takes. Backends only read typed values. Drivers are not imported: option
values are plain Python values that each backend turns into driver settings.
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kong_orm import tls
from kong_orm.errors import ConfigError

Parse = Callable[[Any], Any]
Check = Callable[[Mapping[str, Any]], None]


class Masked(str):
    """A string holding a secret: itself to every consumer (drivers included),
    ``shown`` in its repr, so a printed ``config.options``, a config's
    ``url`` or a traceback's locals show no secret."""

    shown: str

    def __new__(cls, value: str, shown: str = "***") -> Masked:
        masked = super().__new__(cls, value)
        masked.shown = shown
        return masked

    def __repr__(self) -> str:
        return repr(self.shown)


@dataclass(frozen=True)
class Option:
    """One setting: its name, what it takes (said in errors), and its parser.

    The parser raises ``ValueError`` or ``TypeError`` for a value it cannot take.
    """

    name: str
    takes: str
    parse: Parse
    secret: bool = False

    def read(self, raw: Any) -> Any:
        """The typed value of ``raw`` (:class:`Masked` if secret); :class:`ConfigError` when it cannot be one."""
        try:
            value = self.parse(raw)
            return Masked(value) if self.secret else value
        except ConfigError:
            raise
        except (TypeError, ValueError, KeyError, OverflowError):
            shown = "the value given" if self.secret else repr(raw)
            raise ConfigError(f"option {self.name!r} takes {self.takes}, not {shown}", option=self.name) from None


@dataclass(frozen=True)
class Database:
    """The options one database accepts, and which URL part sets which option.

    :param name: the database name (``Config.database``).
    :param schemes: URL schemes naming it, ``+driver`` forms included.
    :param options: its own options; the common ones are added.
    :param url_parts: URL part (``username``, ``password``, ``host``, ``port``,
        ``database``) -> option it sets; a part not listed is refused.
    :param checks: rules over several options (typed values), each raising
        :class:`ConfigError` naming the option to blame.
    """

    name: str
    schemes: tuple[str, ...]
    options: tuple[Option, ...]
    url_parts: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()

    def option(self, name: str) -> Option:
        """The option called ``name``; :class:`ConfigError` naming the known ones otherwise."""
        if not isinstance(name, str):
            raise ConfigError(f"option names are strings, not {name!r}", option=str(name))
        known = {option.name: option for option in (*COMMON_OPTIONS, *self.options)}
        if name not in known:
            raise ConfigError(_unknown(name, self.name, sorted(known)), option=name)
        return known[name]

    def validate(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values of ``raw`` (``None`` values count as not given), checked together."""
        options = {name: self.option(name).read(value) for name, value in raw.items() if value is not None}
        for check in self.checks:
            check(options)
        return options

    def masked(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` with secret values replaced by ``***``."""
        return {name: "***" if self.option(name).secret else value for name, value in options.items()}


def _unknown(name: str, database: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {guess[0]!r}?)" if guess else ""
    return f"unknown option {name!r} for {database}{hint}; known options: {', '.join(known)}"


# ---- value kinds ----------------------------------------------------------------------------------

def text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise TypeError(raw)
    return raw


def _number(raw: Any, kind: Callable[[Any], Any]) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise TypeError(raw)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise ValueError(raw)
    value = kind(raw.strip() if isinstance(raw, str) else raw)
    if kind is int and isinstance(raw, float) and raw != value:
        raise ValueError(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def positive_int(raw: Any) -> int:
    value: int = _number(raw, int)
    if value <= 0:
        raise ValueError(raw)
    return value


def port_number(raw: Any) -> int:
    value = positive_int(raw)
    if value > 65535:
        raise ValueError(raw)
    return value


def number_between(low: float, high: float) -> Parse:
    """A parser for a number from ``low`` to ``high`` (both included), as a float."""

    def parse(raw: Any) -> float:
        value = float(_number(raw, float))
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse


_FLAGS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return _FLAGS[str(raw).strip().lower()] if isinstance(raw, (str, int)) else _FLAGS[raw]


def one_of(*choices: str) -> Parse:
    """A parser for one of ``choices``, in any letter case; the canonical spelling comes back."""
    by_folded = {choice.casefold(): choice for choice in choices}

    def parse(raw: Any) -> str:
        if not isinstance(raw, str):
            raise TypeError(raw)
        return by_folded[raw.strip().casefold()]

    return parse


def names(*, allow_empty: bool) -> Parse:
    """A parser for names: a list, or one comma-separated string (URL form)."""

    def parse(raw: Any) -> tuple[str, ...]:
        items: Iterable[Any] = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)) and not isinstance(raw, str):
            raise TypeError(raw)
        if not all(isinstance(item, str) for item in items):
            raise TypeError(raw)
        cleaned = tuple(item.strip() for item in items if item.strip())
        if not cleaned and not allow_empty:
            raise ValueError(raw)
        return cleaned

    return parse


def split_point(point: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address -> (host, port).

    :raises ValueError: no host, or a port that is not a number from 1 to 65535.
    """
    if point.startswith("["):
        host, bracket, rest = point[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(point)
        port = rest[1:] if rest else None
    elif point.count(":") == 1:
        host, _, port = point.partition(":")
    else:
        host, port = point, None
    if not host or (port is not None and not (port.isascii() and port.isdigit())):
        raise ValueError(point)
    return host, None if port is None else port_number(port)


def contact_points(raw: Any) -> tuple[str, ...]:
    """Hosts, each maybe with its port: a list, or one comma-separated string (URL form)."""
    points: tuple[str, ...] = names(allow_empty=False)(raw)
    for point in points:
        try:
            split_point(point)
        except ValueError:
            raise ConfigError(
                f"option 'contact_points' takes hosts, each maybe with :port (1 to 65535), not {point!r}",
                option="contact_points",
            ) from None
    return points


def replica_counts(raw: Any) -> dict[str, int]:
    """``{"dc1": 3}``, or ``dc1:3,dc2:2`` in a URL."""
    if isinstance(raw, str):
        raw = dict(pair.split(":", 1) for pair in raw.split(",") if pair.strip())
    if not isinstance(raw, Mapping) or not raw:
        raise TypeError(raw)
    return {text(str(dc).strip()): positive_int(count) for dc, count in raw.items()}


_KEYSPACE = re.compile(r"[A-Za-z0-9_]{1,48}")


def keyspace_name(raw: Any) -> str:
    if not isinstance(raw, str) or not _KEYSPACE.fullmatch(raw):
        raise ValueError(raw)
    return raw


SSL_KEYS = tls.CASSANDRA_SSL_KEYS
_SSL_FLAGS = ("enabled", "verify", "verify_hostname")


def ssl_setting(raw: Any) -> bool | dict[str, Any]:
    """``true``/``false``, or a mapping of :data:`SSL_KEYS` (the keys given, typed)."""
    if not isinstance(raw, Mapping):
        return flag(raw)
    unknown = sorted(set(raw) - set(SSL_KEYS), key=str)
    if unknown:
        raise ConfigError(f"unknown ssl setting {unknown[0]!r}; known: {', '.join(SSL_KEYS)}", option="ssl")
    return {key: _ssl_value(key, value) for key, value in raw.items() if value is not None}


def _ssl_value(key: str, value: Any) -> Any:
    if key in _SSL_FLAGS:
        return flag(value)
    return Masked(text(value)) if key == "key_password" else text(value)


def python_object(raw: Any) -> Any:
    """Any object built by the caller (so never a string: URLs cannot carry it)."""
    if isinstance(raw, (str, bytes)):
        raise TypeError(raw)
    return raw


# ---- the databases --------------------------------------------------------------------------------

MIN_TIMEOUT = 0.001
"""The shortest ``timeout``: PostgreSQL takes its timeouts in whole milliseconds, and 0 there means none."""
MAX_TIMEOUT = 86_400.0
"""The longest ``timeout``, a day: within what PostgreSQL's millisecond settings and the client's waits hold."""
MAX_PURGE_INTERVAL = 3_600.0
"""The longest ``purge_interval``, an hour: well within the day Cassandra keeps an expired row's
report, and within what the purge thread's timer holds."""
COMMON_OPTIONS = (
    Option("plugins", "a list of plugin names (comma-separated in a URL)", names(allow_empty=True)),
    Option("offset_secret", "a non-empty string", text, secret=True),
    Option("timeout", f"a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}",
           number_between(MIN_TIMEOUT, MAX_TIMEOUT)),
    Option("purge_interval", f"a number of seconds from 0 to {MAX_PURGE_INTERVAL:g} (0 turns the purge off)",
           number_between(0, MAX_PURGE_INTERVAL)),
)
CONSISTENCY_LEVELS = (
    "ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "SERIAL", "LOCAL_SERIAL", "LOCAL_ONE",
)
SERIAL_LEVELS = ("SERIAL", "LOCAL_SERIAL")
REPLICATION_STRATEGIES = ("SimpleStrategy", "NetworkTopologyStrategy")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_TEXT = "a non-empty string"
_PEM = "a PEM file path"


def both_or_neither(first: str, second: str) -> Check:
    """A check that ``first`` and ``second`` are given together."""

    def check(options: Mapping[str, Any]) -> None:
        for given, missing in ((first, second), (second, first)):
            if given in options and missing not in options:
                raise ConfigError(f"option {given!r} needs {missing!r}: give both or neither", option=missing)

    return check


_CASSANDRA_CONNECTING = ("contact_points", "port", "username", "password", "local_dc", "ssl",
                         *tls.CASSANDRA_FLAT.values())
"""Options that say how to connect: a session handed in is connected already."""


def session_alone(options: Mapping[str, Any]) -> None:
    """Refuse connection options beside a ``session``, which would be ignored."""
    if options.get("session") is None:
        return
    for name in _CASSANDRA_CONNECTING:
        if name in options:
            raise ConfigError(
                f"option {name!r} cannot be given beside 'session': the session is connected already "
                "(set it on the session's cluster)",
                option=name,
            )


def ports_agree(options: Mapping[str, Any]) -> None:
    """Refuse a contact point whose own port is not the ``port`` option, when both are given."""
    port = options.get("port")
    if port is None:
        return
    for point in options.get("contact_points", ()):
        own = split_point(point)[1]
        if own is not None and own != port:
            raise ConfigError(
                f"contact point {point!r} names port {own}, but option 'port' is {port}: give each host its port, "
                "or one 'port' for all",
                option="contact_points",
            )


SQLITE = Database(
    "sqlite",
    ("sqlite", "sqlite+pysqlite"),
    (Option("path", "a file path", text), Option("database", "a file path", text)),
    {"database": "path"},
)
POSTGRES = Database(
    "postgres",
    ("postgresql", "postgres", "postgresql+psycopg2"),
    (
        Option("host", "a host name or address", text),
        Option("port", "a port number (1 to 65535)", port_number),
        Option("user", _TEXT, text),
        Option("password", _TEXT, text, secret=True),
        Option("database", "a database name", text),
        Option("pool_size", "a positive integer", positive_int),
        Option("sslmode", f"one of {', '.join(SSL_MODES)}", one_of(*SSL_MODES)),
        Option("sslrootcert", f"{_PEM} (or 'system')", text),
        Option("sslcert", _PEM, text),
        Option("sslkey", _PEM, text),
        Option("sslpassword", "the passphrase of an encrypted sslkey", text, secret=True),
        Option("sslcrl", "a PEM certificate revocation list file", text),
        Option("prepared_statements", "true or false (false behind PgBouncer's transaction pooling)", flag),
    ),
    {"username": "user", "password": "password", "host": "host", "port": "port", "database": "database"},
    (tls.check_postgres,),
)
CASSANDRA = Database(
    "cassandra",
    ("cassandra",),
    (
        Option("contact_points", "a list of hosts, each maybe with :port (1 to 65535)", contact_points),
        Option("port", "a port number (1 to 65535)", port_number),
        Option("keyspace", "1 to 48 letters, digits or underscores", keyspace_name),
        Option("replication_strategy", f"one of {', '.join(REPLICATION_STRATEGIES)}", one_of(*REPLICATION_STRATEGIES)),
        Option("replication_factor", "a positive integer", positive_int),
        Option("data_centers", "data center names mapped to replica counts (dc1:3,dc2:2 in a URL)", replica_counts),
        Option("consistency", f"one of {', '.join(CONSISTENCY_LEVELS)}", one_of(*CONSISTENCY_LEVELS)),
        Option("serial_consistency", f"one of {', '.join(SERIAL_LEVELS)}", one_of(*SERIAL_LEVELS)),
        Option("username", _TEXT, text),
        Option("password", _TEXT, text, secret=True),
        Option("local_dc", "a data center name", text),
        Option("ssl", f"true, false or a mapping of {', '.join(SSL_KEYS)}", ssl_setting),
        Option("ssl_verify", "true or false", flag),
        Option("ssl_verify_hostname", "true or false", flag),
        Option("ssl_certificate_authority", _PEM, text),
        Option("ssl_certificate", _PEM, text),
        Option("ssl_key", _PEM, text),
        Option("ssl_key_password", "the passphrase of an encrypted ssl_key", text, secret=True),
        Option("ssl_crl", "a PEM certificate revocation list file", text),
        Option("session", "a connected cassandra.cluster.Session (dict configs only)", python_object),
    ),
    {"username": "username", "password": "password", "host": "contact_points", "port": "port", "database": "keyspace"},
    (both_or_neither("username", "password"), ports_agree, tls.check_cassandra, session_alone),
)

_DATABASES: dict[str, Database] = {database.name: database for database in (SQLITE, POSTGRES, CASSANDRA)}


def register_database(database: Database) -> None:
    """Accept configs for ``database`` (a third-party backend registers its options here)."""
    _DATABASES[database.name] = database


def database_named(name: Any) -> Database:
    """The database called ``name`` or reached by the URL scheme ``name``."""
    for database in _DATABASES.values():
        if name == database.name or name in database.schemes:
            return database
    raise ConfigError(f"unknown database {name!r}; known: {', '.join(sorted(_DATABASES))}")


def is_database(name: Any) -> bool:
    """Whether ``name`` names a database (a section of a YAML config)."""
    return any(name == database.name or name in database.schemes for database in _DATABASES.values())
