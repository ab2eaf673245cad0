"""Config from URLs, dicts, the environment and YAML files."""
from __future__ import annotations

from pathlib import Path

import pytest

from kong_orm import Config, create_factory
from kong_orm.config import DEFAULT_URL, as_config


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


def test_url_query_becomes_options() -> None:
    config = Config.from_url("cassandra://h1,h2:9042/kong?consistency=QUORUM&replication_factor=3")
    assert config.options == {"consistency": "QUORUM", "replication_factor": "3"}


def test_unknown_scheme_is_refused_without_leaking_the_password() -> None:
    with pytest.raises(ValueError) as raised:
        Config.from_url("mysql://kong:secret@db/kong")
    assert "secret" not in str(raised.value)


def test_repr_hides_passwords() -> None:
    assert "secret" not in repr(Config.from_url("postgresql://kong:secret@db/kong"))
    assert "secret" not in repr(Config("postgres", None, {"password": "secret"}))


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
