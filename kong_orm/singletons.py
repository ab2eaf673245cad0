"""The process-wide factory set by :func:`kong_orm.init`, as Kong's ``singletons.dao``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kong_orm.factory import DAOFactory

    dao: DAOFactory


class NotInitializedError(AttributeError, RuntimeError):
    """``dao`` read before :func:`kong_orm.init`.

    An ``AttributeError``, so ``hasattr(singletons, "dao")`` is false and
    ``getattr(singletons, "dao", None)`` is ``None``; a ``RuntimeError`` as before.
    """


def __getattr__(name: str) -> Any:
    if name == "dao":
        raise NotInitializedError("no factory yet: call kong_orm.init(config) first")
    raise AttributeError(name)
