"""Passwords and the offset secret never show: not in reprs, logs (DEBUG
included) or error messages, whichever form the config came in; TLS and
credential options that do not fit together included."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kong_orm import Config, ConfigError, DAOError, DAOFactory, DatabaseError, create_factory
from tests.leaks import (
    CASSANDRA_PASSWORD,
    OFFSET_SECRET,
    PG_PASSWORD,
    assert_hidden,
    capturing_every_log,
    described,
)

# nothing listens on port 9 (discard) of the loopback: connects are refused at once
POSTGRES_URL = f"postgresql://kong:{PG_PASSWORD}@127.0.0.1:9/kong?offset_secret={OFFSET_SECRET}&timeout=2"
CASSANDRA_URL = f"cassandra://kong:{CASSANDRA_PASSWORD}@127.0.0.1:9/kong?offset_secret={OFFSET_SECRET}&timeout=2"
SQLITE_URL = f"sqlite://?offset_secret={OFFSET_SECRET}&purge_interval=0"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    yield from capturing_every_log(caplog)


def factory_for(url: str) -> DAOFactory:
    # no plugin: the core entities are enough, and open on every backend
    return create_factory(url, plugins=[])


@pytest.mark.parametrize("url", [POSTGRES_URL, CASSANDRA_URL, SQLITE_URL], ids=["postgres", "cassandra", "sqlite"])
def test_the_config_and_the_factory_show_no_secret(url: str, logs: pytest.LogCaptureFixture) -> None:
    with factory_for(url) as factory:
        for shown in (factory.config, factory, factory.backend, *vars(factory.backend).values()):
            assert_hidden(repr(shown))
            assert_hidden(str(shown))


def test_the_sql_engines_show_no_secret(logs: pytest.LogCaptureFixture) -> None:
    with factory_for(POSTGRES_URL) as factory:
        store = factory.backend.store  # type: ignore[attr-defined]
        for shown in (store, store.url, *store.engines, *(engine.pool for engine in store.engines)):
            assert_hidden(repr(shown))
            assert_hidden(str(shown))


def test_the_cassandra_settings_show_no_secret() -> None:
    with factory_for(CASSANDRA_URL) as factory:
        assert_hidden(repr(factory.backend.settings))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "settings",
    [
        {"url": POSTGRES_URL},
        {"database": "postgres", "postgres": {"password": PG_PASSWORD, "offset_secret": OFFSET_SECRET}},
        {"database": "cassandra", "cassandra": {"username": "kong", "password": CASSANDRA_PASSWORD}},
        {"database": "sqlite", "offset_secret": OFFSET_SECRET},
    ],
    ids=["url", "postgres-section", "cassandra-section", "shared-option"],
)
def test_a_config_from_a_dict_shows_no_secret(settings: dict[str, object]) -> None:
    config = Config.from_dict(settings)
    assert_hidden(repr(config))
    assert_hidden(str(config))


def test_a_config_from_a_file_shows_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "kong.yml"
    path.write_text(f"database: postgres\npostgres: {{password: {PG_PASSWORD}}}\noffset_secret: {OFFSET_SECRET}\n")
    assert_hidden(repr(Config.from_file(path)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: Config.from_url(f"postgresql://kong:{PG_PASSWORD}@127.0.0.1:notaport/kong"),
        lambda: Config.from_url(f"sqlite://kong:{PG_PASSWORD}@/kong.db"),
        lambda: Config.from_url(f"postgresql://kong@127.0.0.1/kong?offset_secrett={OFFSET_SECRET}"),
        lambda: Config.from_url(f"postgresql://kong:{PG_PASSWORD}@127.0.0.1/kong?timeout=abc"),
        lambda: Config.from_dict({"database": "postgres", "postgres": {"password": [PG_PASSWORD]}}),
        lambda: Config.from_dict({"database": "sqlite", "offset_secret": {OFFSET_SECRET: 1}}),
        lambda: Config.from_url(f"mysql://kong:{PG_PASSWORD}@127.0.0.1/kong"),
        lambda: Config.from_url(f"postgresql://kong:{PG_PASSWORD}@127.0.0.1/kong?sslrootcert=ca.pem"),
        lambda: Config.from_url(f"postgresql://kong:{PG_PASSWORD}@127.0.0.1/kong?sslmode=verify-ca&sslrootcert=no"),
        lambda: Config.from_url(f"postgresql://kong:{PG_PASSWORD}@127.0.0.1/kong?sslmode=require&sslkey=key.pem"),
        lambda: Config.from_url(f"cassandra://:{CASSANDRA_PASSWORD}@127.0.0.1/kong"),
        lambda: Config.from_dict({"database": "cassandra", "cassandra": {"password": CASSANDRA_PASSWORD}}),
        lambda: Config.from_url(f"cassandra://kong:{CASSANDRA_PASSWORD}@127.0.0.1/kong?ssl_verify=true"),
        lambda: Config.from_url(
            f"cassandra://kong:{CASSANDRA_PASSWORD}@127.0.0.1/kong?ssl=true&ssl_verify=true&ssl_certificate_authority=no"
        ),
    ],
    ids=[
        "bad-port", "sqlite-password", "misspelt-option", "bad-option", "password-list", "secret-map", "bad-scheme",
        "tls-file-without-sslmode", "missing-root-certificate", "key-without-certificate",
        "cassandra-password-without-username", "cassandra-section-password-only", "cassandra-tls-off",
        "cassandra-missing-authority",
    ],
)
def test_a_config_error_shows_no_secret(make: Callable[[], Config], logs: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigError) as raised:
        make()
    assert_hidden(described(raised.value))


@pytest.mark.parametrize("url", [POSTGRES_URL, CASSANDRA_URL, SQLITE_URL], ids=["postgres", "cassandra", "sqlite"])
def test_secret_values_mask_themselves_and_still_work(url: str) -> None:
    config = Config.from_url(url)
    for name in ("password", "offset_secret"):
        if name in config.options:
            assert repr(config.options[name]) == "'***'"
            assert str(config.options[name]) in (PG_PASSWORD, CASSANDRA_PASSWORD, OFFSET_SECRET)
    assert_hidden(repr(config.options))
    assert_hidden(repr(config.url))
    assert str(config.url) == url
    assert Config(config.database, config.url, config.options) == config


@pytest.mark.parametrize("url", [POSTGRES_URL, CASSANDRA_URL], ids=["postgres", "cassandra"])
def test_a_failed_connect_shows_no_secret(url: str, logs: pytest.LogCaptureFixture) -> None:
    with factory_for(url) as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert_hidden(described(raised.value))


def test_migrations_and_paging_show_no_offset_secret(logs: pytest.LogCaptureFixture) -> None:
    with factory_for(SQLITE_URL) as factory:
        factory.run_migrations()
        for number in range(3):
            factory.consumers.insert({"username": f"user-{number}"})
        _, offset = factory.consumers.find_page(size=2)
        assert offset is not None
        assert_hidden(offset)
        with pytest.raises(DAOError) as raised:
            factory.consumers.find_page(offset=offset[:-2] + "xx", size=2)
        assert_hidden(described(raised.value))
    assert {"kong_orm", "sqlalchemy", "alembic"} <= {record.name.split(".")[0] for record in logs.records}
