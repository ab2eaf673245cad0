"""Config from URLs, dicts, the environment and YAML files: one parser, strict options."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from kong_orm import Config, ConfigError, DAOError, create_factory
from kong_orm.backends.sql.engine import database_url
from kong_orm.config import DEFAULT_SQLITE_PATH, DEFAULT_URL, as_config
from kong_orm.options import database_named

TIMEOUT_TAKES = "option 'timeout' takes a number of seconds from 0.001 to 86400"


@pytest.mark.parametrize(
    "url, database",
    [
        ("postgresql://kong:pw@127.0.0.1:5432/kong", "postgres"),
        ("postgres://kong@localhost/kong", "postgres"),
        ("postgresql+psycopg2://kong@localhost/kong", "postgres"),
        ("sqlite:///var/kong.db", "sqlite"),
        ("sqlite://", "sqlite"),
        ("cassandra://10.0.0.1,10.0.0.2:9042/kong?consistency=QUORUM", "cassandra"),
    ],
)
def test_url_scheme_picks_the_database(url: str, database: str) -> None:
    assert Config.from_url(url).database == database


@pytest.mark.parametrize(
    "url, options",
    [
        (
            "cassandra://h1,h2:9042/kong?consistency=quorum&replication_factor=3",
            {"contact_points": ("h1", "h2"), "port": 9042, "keyspace": "kong", "consistency": "QUORUM",
             "replication_factor": 3},
        ),
        ("cassandra://[::1]:9042/ks", {"contact_points": ("::1",), "port": 9042, "keyspace": "ks"}),
        ("cassandra://[::1],[::2]:9042/ks", {"contact_points": ("[::1]", "[::2]"), "port": 9042, "keyspace": "ks"}),
        (
            "postgresql://kong@[::1]:5432/kong?timeout=2.5&pool_size=3",
            {"user": "kong", "host": "::1", "port": 5432, "database": "kong", "timeout": 2.5, "pool_size": 3},
        ),
        ("postgresql://k%40ng:s%2Fc@db/kong", {"user": "k@ng", "password": "s/c", "host": "db", "database": "kong"}),
        ("sqlite:///var/kong.db?purge_interval=0", {"path": "var/kong.db", "purge_interval": 0.0}),
        ("sqlite://?plugins=key-auth,acl", {"plugins": ("key-auth", "acl")}),
        ("sqlite://?plugins=key-auth&plugins=acl", {"plugins": ("key-auth", "acl")}),
        ("sqlite://?offset_secret=s3cret", {"offset_secret": "s3cret"}),
        ("cassandra://h/ks?data_centers=dc1:3,dc2:2", {"contact_points": ("h",), "keyspace": "ks",
                                                        "data_centers": {"dc1": 3, "dc2": 2}}),
        ("cassandra://h/ks?ssl=true&ssl_verify=no", {"contact_points": ("h",), "keyspace": "ks", "ssl": True,
                                                     "ssl_verify": False}),
    ],
)
def test_url_parts_and_query_become_typed_options(url: str, options: dict[str, Any]) -> None:
    assert Config.from_url(url).options == options


@pytest.mark.parametrize(
    "url, message",
    [
        ("cassandra://h/k?consistancy=1", "unknown option 'consistancy' for cassandra (did you mean 'consistency'?)"),
        ("postgresql://kong@db/kong?consistency=ONE", "unknown option 'consistency' for postgres"),
        ("sqlite://?pool_size=3", "unknown option 'pool_size' for sqlite"),
        ("postgresql://kong@db/kong?timeout=abc", f"{TIMEOUT_TAKES}, not 'abc'"),
        ("cassandra://h/ks?timeout=abc", f"{TIMEOUT_TAKES}, not 'abc'"),
        ("sqlite://?timeout=abc", f"{TIMEOUT_TAKES}, not 'abc'"),
        ("sqlite://?timeout=0", f"{TIMEOUT_TAKES}, not '0'"),
        ("postgresql://kong@db/kong?pool_size=2.5", "option 'pool_size' takes a positive integer, not '2.5'"),
        ("postgresql://kong@db/kong?timeout=1&timeout=2", "option 'timeout' takes a number of seconds"),
        ("postgresql://kong@db:70000/kong", "option 'port' takes a port number (1 to 65535), not 70000"),
        ("cassandra://h/ks?consistency=SOMETIMES", "option 'consistency' takes one of ANY, ONE,"),
        ("cassandra://h/ks?serial_consistency=QUORUM", "option 'serial_consistency' takes one of SERIAL, LOCAL_SERIAL"),
        ("cassandra://h/no-dashes", "option 'keyspace' takes 1 to 48 letters, digits or underscores"),
        ("cassandra://h/ks?ssl=maybe", "option 'ssl' takes true, false or a mapping"),
        ("cassandra://h/ks?session=x", "option 'session' takes a connected cassandra.cluster.Session"),
        ("cassandra://h/ks?data_centers=dc1", "option 'data_centers' takes data center names mapped to replica"),
        ("sqlite://host/kong.db", "sqlite URLs take no host"),
        ("cassandra://h1:9042,h2:9042/ks", "cannot read the database URL; expected scheme://"),
        ("mysql://kong@db/kong", "unsupported database URL scheme 'mysql'"),
    ],
)
def test_bad_url_is_a_config_error_saying_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_url(url)
    assert str(raised.value).startswith(message)


def test_unknown_option_error_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_url("postgresql://kong@db/kong?timeuot=1")
    assert raised.value.option == "timeuot"
    assert str(raised.value).endswith(
        "known options: database, host, offset_secret, password, plugins, pool_size, port, prepared_statements, "
        "purge_interval, sslcert, sslcrl, sslkey, sslmode, sslpassword, sslrootcert, timeout, user"
    )


def test_config_error_is_a_dao_error_and_a_value_error() -> None:
    assert issubclass(ConfigError, DAOError) and issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"database": "cassandra", "cassandra": {"consistancy": "ONE"}}, "unknown option 'consistancy'"),
        ({"database": "postgres", "postgres": {"timeout": "abc"}}, "option 'timeout' takes a number of seconds"),
        ({"database": "postgres", "postgres": {"port": True}}, "option 'port' takes a port number"),
        ({"database": "cassandra", "cassandra": {"contact_points": []}}, "option 'contact_points' takes a list"),
        ({"database": "cassandra", "cassandra": {"contact_points": [1]}}, "option 'contact_points' takes a list"),
        ({"database": "cassandra", "cassandra": {"ssl": {"enable": True}}}, "unknown ssl setting 'enable'"),
        ({"database": "cassandra", "cassandra": {"data_centers": {"dc1": 0}}}, "option 'data_centers' takes"),
        ({"database": "sqlite", "plugins": "key-auth", "sqlite": {"plugins": [3]}}, "option 'plugins' takes a list"),
        ({"database": "sqlite", "pluginz": ["acl"]}, "unknown option 'pluginz' for sqlite (did you mean 'plugins'?)"),
        ({"database": "sqlite", "sqlite": ["kong.db"]}, "the sqlite section must be a mapping"),
        ({"database": "oracle"}, "unknown database 'oracle'; known: cassandra, postgres, sqlite"),
        ({"database": "postgres", "postgres": {"url": "sqlite://"}}, "the postgres section's url is a sqlite URL"),
        ({"url": "sqlite://", "timeout": "soon"}, f"{TIMEOUT_TAKES}, not 'soon'"),
        ({"host": "x"}, "config needs a 'url' or a 'database' key"),
    ],
)
def test_dict_configs_get_the_same_checks(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_dict(settings)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    "settings, options",
    [
        (
            {"database": "postgres", "url": "postgresql://kong@h:5432/kong"},
            {"user": "kong", "host": "h", "port": 5432, "database": "kong"},
        ),
        (
            {"database": "postgresql", "url": "postgres://kong@h/kong", "timeout": 3},
            {"user": "kong", "host": "h", "database": "kong", "timeout": 3.0},
        ),
        ({"database": "sqlite", "url": "sqlite://"}, {}),
        ({"database": "sqlite", "url": "sqlite:///kong.db"}, {"path": "kong.db"}),
        ({"database": "cassandra", "url": "cassandra://h/kong"}, {"contact_points": ("h",), "keyspace": "kong"}),
    ],
)
def test_a_database_key_beside_a_url_names_the_store_not_an_option(
    settings: dict[str, Any], options: dict[str, Any]
) -> None:
    config = Config.from_dict(settings)
    assert config.database == database_named(settings["database"]).name
    assert config.options == options


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"database": "postgres", "url": "sqlite:///kong.db"}, "'database' is postgres but the url is a sqlite URL"),
        ({"database": "sqlite", "url": "postgresql://h/kong"}, "'database' is sqlite but the url is a postgres URL"),
        ({"database": "cassandra", "url": "postgresql://kong@h/kong", "host": "h"}, "'database' is cassandra but"),
        ({"database": "oracle", "url": "sqlite://"}, "unknown database 'oracle'"),
    ],
)
def test_a_database_key_that_disagrees_with_the_url_is_a_config_error(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_dict(settings)
    assert str(raised.value).startswith(message)


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="unknown option 'consistancy'"):
        Config("cassandra", options={"consistancy": "ONE"})
    assert Config("postgresql", options={"port": "5433"}) == Config("postgres", options={"port": 5433})


def test_plugins_and_offset_secret_are_accepted_everywhere(tmp_path: Path) -> None:
    for database in ("sqlite", "postgres", "cassandra"):
        config = Config.from_dict({"database": database, database: {"plugins": ["key-auth"], "offset_secret": "k"}})
        assert config.options["plugins"] == ("key-auth",) and config.options["offset_secret"] == "k"
    path = tmp_path / "kong.yml"
    path.write_text("database: sqlite\nplugins: [key-auth, acl]\nsqlite: {path: kong.db}\n")
    assert Config.from_file(path).options == {"plugins": ("key-auth", "acl"), "path": "kong.db"}


def test_a_python_object_session_is_kept_as_given() -> None:
    session = object()
    assert Config("cassandra", options={"session": session}).options["session"] is session


@pytest.mark.parametrize(
    "make",
    [
        lambda: Config.from_url("mysql://kong:hush@db/kong"),
        lambda: Config.from_url("postgresql://kong:hush@db:x/kong"),
        lambda: Config.from_url("postgresql://kong:hush@db/kong?bad=1"),
        lambda: Config.from_dict({"database": "postgres", "postgres": {"password": ["hush"]}}),
        lambda: Config.from_dict({"url": "sqlite://", "offset_secret": ["hush"]}),
    ],
)
def test_errors_never_show_a_password(make: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        make()
    assert "hush" not in str(raised.value)


def test_repr_and_logs_hide_passwords(caplog: pytest.LogCaptureFixture) -> None:
    config = Config.from_url("postgresql://kong:hush@db/kong?offset_secret=quiet")
    assert "hush" not in repr(config) and "quiet" not in repr(config)
    assert "hush" not in repr(Config("postgres", None, {"password": "hush"}))
    with caplog.at_level(logging.DEBUG, logger="kong_orm"):
        logging.getLogger("kong_orm").debug("config %s", config)
    assert "hush" not in caplog.text and "quiet" not in caplog.text


def test_environment_variable_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONG_ORM_DATABASE_URL", "sqlite://")
    assert Config.from_env().url == "sqlite://"
    monkeypatch.delenv("KONG_ORM_DATABASE_URL")
    assert Config.from_env().url == DEFAULT_URL


def test_yaml_file_in_the_spirit_of_kong_yml(tmp_path: Path) -> None:
    path = tmp_path / "kong.yml"
    path.write_text(
        "database: postgres\n"
        "postgres:\n  host: db.internal\n  port: 5433\n  user: kong\n  password: pw\n  database: kong\n"
        "cassandra:\n  contact_points: [10.0.0.1]\n  keyspace: kong\n"
    )
    config = Config.from_file(path)
    assert config.database == "postgres"
    assert config.options["host"] == "db.internal" and config.options["port"] == 5433


def test_yaml_sqlite_section_opens_a_working_factory(tmp_path: Path) -> None:
    path = tmp_path / "kong.yml"
    path.write_text(f"database: sqlite\nsqlite:\n  path: {tmp_path / 'kong.db'}\n")
    with create_factory(Config.from_file(path)) as factory:
        factory.run_migrations()
        assert factory.consumers.insert({"username": "yaml"})["username"] == "yaml"
    assert (tmp_path / "kong.db").exists()


@pytest.mark.parametrize(
    "config",
    [
        lambda: Config.from_dict({"database": "sqlite"}),
        lambda: Config.from_dict({"database": "sqlite", "sqlite": {"timeout": 3}}),
        lambda: Config("sqlite"),
    ],
)
def test_an_sqlite_config_without_a_path_uses_the_default_file(config: Any) -> None:
    assert database_url(config()).database == DEFAULT_SQLITE_PATH
    assert database_url(Config.from_url(DEFAULT_URL)).database == DEFAULT_SQLITE_PATH


@pytest.mark.parametrize(
    "config",
    [
        lambda: Config.from_url("sqlite://"),
        lambda: Config.from_url("sqlite:///:memory:"),
        lambda: Config.from_dict({"url": "sqlite://?timeout=3"}),
        lambda: Config.from_dict({"database": "sqlite", "sqlite": {"url": "sqlite://"}}),
        lambda: Config.from_dict({"database": "sqlite", "sqlite": {"path": ":memory:"}}),
    ],
)
def test_an_sqlite_config_asking_for_memory_gets_memory(config: Any) -> None:
    assert database_url(config()).database in (None, ":memory:")


def test_a_yaml_sqlite_config_without_a_path_keeps_its_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kong.yml").write_text("database: sqlite\nplugins: []\n")
    with create_factory(Config.from_file("kong.yml")) as factory:
        factory.run_migrations()
    with create_factory(Config.from_file("kong.yml")) as factory:
        assert factory.pending_migrations() == {}
    assert (tmp_path / DEFAULT_SQLITE_PATH).exists()


@pytest.mark.parametrize("bad", [42, ["sqlite://"]])
def test_config_of_the_wrong_type_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        as_config(bad)  # type: ignore[arg-type]


def test_dict_needs_a_url_or_a_database() -> None:
    assert as_config({"url": "sqlite://"}).database == "sqlite"
    with pytest.raises(ValueError):
        as_config({"host": "x"})


def test_unknown_database_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown database"):
        create_factory({"database": "oracle"})


INFINITY = float("inf")


@pytest.mark.parametrize(
    "database, options, message",
    [
        ("postgres", {"port": INFINITY}, "option 'port' takes a port number (1 to 65535), not inf"),
        ("postgres", {"pool_size": INFINITY}, "option 'pool_size' takes a positive integer, not inf"),
        ("postgres", {"pool_size": -INFINITY}, "option 'pool_size' takes a positive integer, not -inf"),
        ("cassandra", {"port": INFINITY}, "option 'port' takes a port number"),
        ("cassandra", {"replication_factor": float("nan")}, "option 'replication_factor' takes a positive integer"),
        ("cassandra", {"data_centers": {"dc1": INFINITY}}, "option 'data_centers' takes data center names mapped"),
        ("sqlite", {"timeout": INFINITY}, f"{TIMEOUT_TAKES}, not inf"),
        ("sqlite", {"purge_interval": INFINITY}, "option 'purge_interval' takes a number of seconds from 0"),
        ("sqlite", {1: "x"}, "option names are strings, not 1"),
        ("postgres", {None: "x"}, "option names are strings, not None"),
        ("cassandra", {"ssl": {1: True, "enabled": True, "x": 1}}, "unknown ssl setting"),
    ],
)
def test_non_finite_numbers_and_odd_option_names_are_config_errors(
    database: str, options: dict[Any, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        Config(database, options=options)
    assert str(raised.value).startswith(message)


def test_yaml_infinity_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "kong.yml"
    path.write_text("database: postgres\npostgres: {port: .inf, pool_size: .inf}\n")
    with pytest.raises(ConfigError, match="option '(port|pool_size)' takes"):
        Config.from_file(path)


def test_a_non_string_top_level_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="option names are strings, not 3"):
        Config.from_dict({"database": "sqlite", 3: "x"})


@pytest.mark.parametrize("value", ["0.0009", "1e-9", "86400.5", "1e12", "inf", "-1"])
def test_a_timeout_the_stores_cannot_keep_is_refused(value: str) -> None:
    """Below a millisecond PostgreSQL would get ``statement_timeout=0``, which means no
    timeout at all; above a day its millisecond settings and the client's waits overflow."""
    for url in ("postgresql://u@h/db", "sqlite://", "cassandra://h/ks"):
        with pytest.raises(ConfigError) as raised:
            Config.from_url(f"{url}?timeout={value}")
        assert raised.value.option == "timeout"
        assert str(raised.value).startswith(TIMEOUT_TAKES)


@pytest.mark.parametrize("value, seconds", [("0.001", 0.001), ("86400", 86400.0), ("2.5", 2.5)])
def test_timeouts_from_a_millisecond_to_a_day_are_accepted(value: str, seconds: float) -> None:
    assert Config.from_url(f"postgresql://u@h/db?timeout={value}").options["timeout"] == seconds


@pytest.mark.parametrize("value", ["3600.5", "1e10", "1e300", "-1"])
def test_a_purge_interval_over_an_hour_is_refused(value: str) -> None:
    """A longer wait overflows the purge thread's timer (1e10), and Cassandra keeps an expired
    row's report for one day only, so purges must come well within that."""
    with pytest.raises(ConfigError) as raised:
        create_factory(f"sqlite://?purge_interval={value}")
    assert str(raised.value).startswith(
        f"option 'purge_interval' takes a number of seconds from 0 to 3600 (0 turns the purge off), not '{value}'"
    )


@pytest.mark.parametrize("value, seconds", [("0", 0.0), ("3600", 3600.0), ("0.5", 0.5)])
def test_purge_intervals_up_to_an_hour_are_accepted(value: str, seconds: float) -> None:
    assert Config.from_url(f"sqlite://?purge_interval={value}").options["purge_interval"] == seconds


@pytest.mark.parametrize(
    "text, message",
    [
        ("database: sqlite\nsqlite: {path: [unclosed\n", "not valid YAML: expected ',' or ']', but got '<stream end>' "
                                                         "(line 3, column 1)"),
        ("database: postgres\npostgres: {password: hush: x}\n", "not valid YAML: "),
        ("database: sqlite\x07\n", "not valid YAML: "),
        ("- sqlite\n", "expected a mapping at the top level"),
    ],
)
def test_a_yaml_file_that_is_not_a_config_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kong.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        Config.from_file(path)
    assert str(raised.value).startswith(f"{path}: {message}")
    assert "hush" not in str(raised.value) and "\n" not in str(raised.value)


def test_a_config_file_that_cannot_be_read_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read config file .*missing\.yml.*: No such file or directory"):
        Config.from_file(tmp_path / "missing.yml")
    with pytest.raises(ConfigError, match=r"cannot read config file .*: Is a directory"):
        Config.from_file(tmp_path)
    (tmp_path / "latin1.yml").write_bytes(b"database: sqlite\nsqlite: {path: caf\xe9.db}\n")
    with pytest.raises(ConfigError, match=r"cannot read config file .*latin1\.yml.*: not UTF-8"):
        Config.from_file(tmp_path / "latin1.yml")


@pytest.mark.parametrize(
    "points, port, message",
    [
        (["10.0.0.1:abc"], None, "option 'contact_points' takes hosts, each maybe with :port (1 to 65535), not "
                                 "'10.0.0.1:abc'"),
        (["10.0.0.1:99999"], None, "option 'contact_points' takes hosts, each maybe with :port (1 to 65535), not "
                                   "'10.0.0.1:99999'"),
        (["10.0.0.1:0"], None, "option 'contact_points' takes hosts"),
        (["10.0.0.1:"], None, "option 'contact_points' takes hosts"),
        ([":9042"], None, "option 'contact_points' takes hosts"),
        (["[::1"], None, "option 'contact_points' takes hosts"),
        (["[::1]9042"], None, "option 'contact_points' takes hosts"),
        (["[::1]:x"], None, "option 'contact_points' takes hosts"),
        (["10.0.0.1:9142", "10.0.0.2"], 9042,
         "contact point '10.0.0.1:9142' names port 9142, but option 'port' is 9042: give each host its port, "
         "or one 'port' for all"),
    ],
)
def test_unusable_cassandra_contact_points_are_refused_when_the_config_is_made(
    points: list[str], port: int | None, message: str
) -> None:
    options: dict[str, Any] = {"contact_points": points} if port is None else {"contact_points": points, "port": port}
    with pytest.raises(ConfigError) as raised:
        Config("cassandra", options=options)
    assert str(raised.value).startswith(message) and raised.value.option == "contact_points"


@pytest.mark.parametrize(
    "options",
    [
        {"contact_points": ["10.0.0.1:9142", "10.0.0.2:9143", "10.0.0.3"]},
        {"contact_points": ["10.0.0.1:9142", "[::1]:9142"], "port": 9142},
        {"contact_points": ["::1", "[::2]", "h"], "port": 9142},
    ],
)
def test_cassandra_hosts_may_each_name_their_port(options: dict[str, Any]) -> None:
    typed = Config("cassandra", options=options).options
    assert typed == {**options, "contact_points": tuple(options["contact_points"])}
