"""The only exceptions callers of kong_orm need to import.

Every error carries ``errors``, a mapping of field to message (dotted for
nested fields), and prints as Kong did: ``field=message`` pairs sorted by
field and joined by a space, or the plain message when no field is to blame.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ErrorMap = dict[str, "str | list[str]"]


def _render(errors: Mapping[str, str | list[str]]) -> str:
    def text(message: str | list[str]) -> str:
        return ",".join(message) if isinstance(message, list) else message

    return " ".join(f"{field}={text(errors[field])}" for field in sorted(errors))


class DAOError(Exception):
    """Base class of every error a DAO raises.

    :param problem: a plain message, or a mapping of field to message.
    """

    def __init__(self, problem: str | Mapping[str, str | list[str]]) -> None:
        if isinstance(problem, Mapping):
            self.errors: ErrorMap = dict(problem)
            self.message = _render(self.errors)
        else:
            self.errors = {}
            self.message = problem
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class SchemaError(DAOError):
    """Values, a filter or a key break the entity's schema."""


class UniqueError(DAOError):
    """A unique field (or combination) already holds the value."""

    @classmethod
    def for_values(cls, values: Mapping[str, Any]) -> UniqueError:
        """Build the error from the colliding ``field -> value`` pairs."""
        return cls({field: f"already exists with value '{value}'" for field, value in values.items()})


class ForeignKeyError(DAOError):
    """A foreign key names a row that does not exist."""

    @classmethod
    def for_values(cls, values: Mapping[str, Any]) -> ForeignKeyError:
        """Build the error from the dangling ``field -> value`` pairs."""
        return cls({field: f"does not exist with value '{value}'" for field, value in values.items()})


class DatabaseError(DAOError):
    """The store failed; the message starts with ``[<backend> error]``."""

    def __init__(self, backend: str, message: str) -> None:
        self.backend = backend
        super().__init__(f"[{backend} error] {message}")


class ConfigError(DAOError, ValueError):
    """A configuration names an unknown option or database, or gives an option
    a value it cannot take. Also a ``ValueError``. Never shows a password.

    :param message: what is wrong and what would be right.
    :param option: the option to blame, if one is.
    """

    def __init__(self, message: str, *, option: str | None = None) -> None:
        self.option = option
        super().__init__(message)


class UnknownEntityError(DAOError, KeyError):
    """No entity of that name is served by the factory. Also a ``KeyError``."""
