"""Helpers of the tests that look for secrets where they must not be."""
from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest

PG_PASSWORD = "pgS3cretPW"
CASSANDRA_PASSWORD = "casS3cretPW"
OFFSET_SECRET = "offS3cretKEY"
SECRETS = (PG_PASSWORD, CASSANDRA_PASSWORD, OFFSET_SECRET)
LOGGERS = ("", "kong_orm", "sqlalchemy", "alembic", "cassandra")


def assert_hidden(text: str) -> None:
    """Fail if any of the secrets is in ``text``."""
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"{leaked} shown in: {text}"


def described(error: BaseException) -> str:
    """An error as a user may meet it: its message and its whole traceback, causes included."""
    return str(error) + "".join(traceback.format_exception(error))


def capturing_every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """For a fixture: every record of kong_orm and its libraries, DEBUG included,
    checked for secrets when the test ends."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
    assert_hidden("\n".join(record.getMessage() for record in caplog.records))
    assert_hidden(caplog.text)
