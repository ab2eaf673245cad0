"""One transaction on a kept connection, with as few messages as the driver allows."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kong_orm.backends.sql.compiled import SQLText
from kong_orm.backends.sql.links import Link, Part

if TYPE_CHECKING:
    from kong_orm.backends.sql.engine import Store


class Transaction:
    """One transaction on a link: ``BEGIN`` travels with the first statement, ``COMMIT`` with the last."""

    def __init__(self, store: Store, link: Link) -> None:
        self._store = store
        self._link = link
        self._open = False

    def query(self, text: SQLText, values: dict[str, Any]) -> list[Any]:
        """Rows of a statement inside the transaction (beginning it if needed)."""
        return self._store.send(self._link, [*self._begin(), (text, values)], committing=False)

    def commit(self, text: SQLText | None = None, batch: Sequence[dict[str, Any]] = ()) -> None:
        """Run ``text`` once per values of ``batch``, then commit; rows are not returned."""
        statements: list[Part] = [] if text is None else [(text, values) for values in batch]
        parts: list[Part] = [*self._begin(), *statements, ("COMMIT", None)]
        self._store.send(self._link, parts, committing=True)
        self._open = False

    def commit_rows(self, text: SQLText, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ``rows`` with the one-row ``INSERT`` ``text`` and commit, in as few messages as the driver can."""
        if self._open:
            raise RuntimeError("commit_rows() begins its own transaction")
        self._store.insert_rows(self._link, text, rows)

    def close(self) -> None:
        """Roll back what was not committed."""
        if self._open:
            self._store.send(self._link, [("ROLLBACK", None)], committing=False)
            self._open = False

    def _begin(self) -> list[Part]:
        if self._open:
            return []
        self._open = True
        return [(self._store.driver.begin, None)]
