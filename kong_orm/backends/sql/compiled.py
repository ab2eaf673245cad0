"""Core statements compiled once to the SQL text and parameter order the DBAPI driver takes.

SQLAlchemy builds every statement; running it through a ``Connection`` would
compile its cache key, build an execution context and a ``Result`` on each
call. Here that work happens once: a :class:`SQLText` holds the text, the
order of its parameters and each value's bind conversion, and the store hands
those to the driver's cursor.
"""
from __future__ import annotations

import copy
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

Convert = Callable[[Any], Any]

_names = itertools.count(1)


def _uuid_text(value: Any) -> Any:
    # psycopg2 adapts uuid.UUID through a Python-level adapter; a string costs
    # less and the server casts it by the parameter's column type.
    return None if value is None else str(value)


class Parameters:
    """The order of a compiled statement's parameters and how each value is converted."""

    __slots__ = ("names", "_converted", "_fixed", "_pick")

    def __init__(self, names: Sequence[str], converters: Sequence[Convert | None], fixed: Mapping[str, Any]) -> None:
        self.names = tuple(names)
        self._converted = tuple((index, convert) for index, convert in enumerate(converters) if convert is not None)
        self._fixed = dict(fixed)
        names = self.names  # itemgetter gives a tuple for two names or more, the value itself for one
        self._pick: Callable[[Mapping[str, Any]], Any] = (
            operator.itemgetter(*names) if len(names) > 1 else lambda given: [given[n] for n in names]
        )

    def values(self, given: Mapping[str, Any]) -> list[Any]:
        """The driver's positional values for ``given`` (parameter name -> value)."""
        if self._fixed:
            given = {**self._fixed, **given}
        values = list(self._pick(given))
        for index, convert in self._converted:
            values[index] = convert(values[index])
        return values


def _parameters(compiled: Any, dialect: Dialect, *, uuid_as_text: bool) -> Parameters:
    names = list(compiled.positiontup or ())
    # values written into the statement itself (literals), as opposed to those bound per call
    fixed = {name: compiled.binds[name].effective_value for name in names if not compiled.binds[name].required}
    converters: list[Convert | None] = []
    for name in names:
        type_ = compiled.binds[name].type
        if uuid_as_text and isinstance(type_, Uuid):
            converters.append(_uuid_text)
        else:
            converters.append(type_.dialect_impl(dialect).bind_processor(dialect))
    return Parameters(names, converters, fixed)


def _with_paramstyle(dialect: Dialect, paramstyle: str) -> Dialect:
    changed = copy.copy(dialect)
    changed.paramstyle = paramstyle
    changed.positional = True
    return changed


class SQLText:
    """One Core statement, compiled once for one dialect.

    ``sql`` and ``parameters`` run it directly (``%s`` or ``?`` placeholders);
    on PostgreSQL ``prepare_sql``, ``execute_sql`` and ``prepared_parameters``
    run it as a server-side prepared statement named ``name``.

    :param statement: the Core statement.
    :param dialect: the engine's dialect.
    :param column_keys: the columns an ``INSERT`` or ``UPDATE`` without explicit values sets.
    :param prepared: also compile the ``PREPARE`` form (``$1`` placeholders).
    """

    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect,
        *,
        column_keys: Sequence[str] | None = None,
        prepared: bool = False,
    ) -> None:
        keys = list(column_keys) if column_keys is not None else None
        postgres = dialect.name == "postgresql"
        direct_dialect = _with_paramstyle(dialect, "format") if postgres else dialect
        direct = statement.compile(dialect=direct_dialect, column_keys=keys)
        self.sql: str = direct.string
        self.parameters = _parameters(direct, dialect, uuid_as_text=postgres)
        self.name = f"kong_orm_{next(_names)}"
        self.prepare_sql = self.execute_sql = ""
        self.prepared_parameters = self.parameters
        if prepared:
            numbered = statement.compile(dialect=_with_paramstyle(dialect, "numeric_dollar"), column_keys=keys)
            self.prepared_parameters = _parameters(numbered, dialect, uuid_as_text=postgres)
            # psycopg2 formats the whole message with %: the body's own % must be doubled
            self.prepare_sql = f"PREPARE {self.name} AS {numbered.string.replace('%', '%%')}"
            placeholders = ", ".join(["%s"] * len(self.prepared_parameters.names))
            self.execute_sql = f"EXECUTE {self.name}({placeholders})" if placeholders else f"EXECUTE {self.name}"

    def rows_sql(self, count: int) -> str:
        """For an ``INSERT ... VALUES`` of one row: the same statement for ``count`` rows."""
        head, keyword, row = self.sql.partition(" VALUES ")
        if not keyword or " VALUES " in row:
            raise ValueError(f"not a one-row INSERT: {self.sql}")
        return f"{head} VALUES {', '.join([row] * count)}"

    def __repr__(self) -> str:
        return f"SQLText({self.sql!r})"
