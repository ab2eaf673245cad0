"""Error objects print as Kong's did."""
from __future__ import annotations

from kong_orm.errors import DAOError, DatabaseError, ForeignKeyError, SchemaError, UniqueError


def test_field_errors_print_sorted_key_value_pairs() -> None:
    error = SchemaError({"b": "second", "a": "first", "c": ["one", "two"]})
    assert str(error) == "a=first b=second c=one,two"
    assert error.errors == {"b": "second", "a": "first", "c": ["one", "two"]}


def test_plain_messages_print_as_they_are() -> None:
    error = UniqueError("Plugin configuration already exists")
    assert str(error) == "Plugin configuration already exists" and error.errors == {}


def test_unique_and_foreign_messages() -> None:
    assert str(UniqueError.for_values({"name": "mockbin"})) == "name=already exists with value 'mockbin'"
    assert str(ForeignKeyError.for_values({"api_id": "x"})) == "api_id=does not exist with value 'x'"


def test_database_errors_name_the_backend() -> None:
    error = DatabaseError("postgres", 'database "x" does not exist')
    assert str(error) == '[postgres error] database "x" does not exist'
    assert error.backend == "postgres"


def test_every_error_is_a_dao_error() -> None:
    for kind in (SchemaError, UniqueError, ForeignKeyError):
        assert isinstance(kind("x"), DAOError)
    assert isinstance(DatabaseError("sqlite", "x"), DAOError)
