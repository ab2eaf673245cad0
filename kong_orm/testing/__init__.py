"""Testing aids: the shipped contract suite and statement counting."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kong_orm.backend import StatementCounter
from kong_orm.factory import DAOFactory

__all__ = ["StatementCounter", "count_statements"]


@contextmanager
def count_statements(factory: DAOFactory) -> Iterator[StatementCounter]:
    """Count the statements ``factory`` sends inside the block.

    Example::

        with count_statements(factory) as counted:
            factory.apis.find({"id": api_id})
        assert counted.count == 1
    """
    with factory.backend.count_statements() as counter:
        yield counter
