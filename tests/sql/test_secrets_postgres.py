"""A PostgreSQL password and the offset secret stay hidden in the logs (DEBUG
included) and errors of a real server's factory: migrations, paging, a wrong
password, a failed statement. The role with the password lives on a private
server of this module."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from kong_orm import DatabaseError, create_factory
from tests.leaks import OFFSET_SECRET, PG_PASSWORD, assert_hidden, capturing_every_log, described
from tests.sql.private_server import running_private_server

pytestmark = pytest.mark.only_on("postgres")

ROLE = "keeper"


@pytest.fixture(scope="module")
def keeper_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a database owned by a role whose password is the secret."""
    for server in running_private_server(tmp_path_factory):
        server.create_role(ROLE, PG_PASSWORD)
        yield f"postgresql://{ROLE}:{PG_PASSWORD}@127.0.0.1:{server.port}/{ROLE}"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    yield from capturing_every_log(caplog)


def test_migrations_and_paging_log_no_secret(keeper_url: str, logs: pytest.LogCaptureFixture) -> None:
    with create_factory(f"{keeper_url}?offset_secret={OFFSET_SECRET}&purge_interval=0") as factory:
        factory.run_migrations()
        for number in range(3):
            factory.consumers.insert({"username": f"user-{number}"})
        _, offset = factory.consumers.find_page(size=2)
        assert factory.consumers.find_page(offset=offset, size=2)[0]
        assert_hidden(repr(factory.backend.store.engine))  # type: ignore[attr-defined]
    assert any("password=xxx" in record.getMessage() for record in logs.records), "no connection was logged"


def test_a_wrong_password_is_not_shown(keeper_url: str, logs: pytest.LogCaptureFixture) -> None:
    wrong = keeper_url.replace(PG_PASSWORD, OFFSET_SECRET)  # a secret too: neither may show
    with create_factory(wrong) as factory, pytest.raises(DatabaseError) as raised:
        factory.consumers.count()
    assert "password authentication failed" in str(raised.value)
    assert_hidden(described(raised.value))


def test_a_failed_statement_shows_no_secret(keeper_url: str, logs: pytest.LogCaptureFixture) -> None:
    with create_factory(f"{keeper_url}?offset_secret={OFFSET_SECRET}&purge_interval=0") as factory:
        factory.drop_schema()
        with pytest.raises(DatabaseError) as raised:
            factory.consumers.count()
        factory.run_migrations()
    assert_hidden(described(raised.value))
