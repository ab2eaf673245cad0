"""Rows whose TTL has passed: removed with their descendants, and reported.

Reads never return an expired row, on any store. Purging removes what
expired together with every row referencing it, as a delete would, and
publishes ``ENTITY_DELETED`` for each: :meth:`DAOFactory.purge_expired` on
demand, and a :class:`Purger` thread every ``purge_interval`` seconds.
"""
from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from kong_orm.errors import DAOError

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 60.0
"""Seconds between two purges unless the ``purge_interval`` option says otherwise."""
THREAD_NAME = "kong_orm-purge"
"""The name of every purge thread."""


class Purger:
    """Calls ``purge()`` every ``interval`` seconds until :meth:`stop`, or until the
    object ``purge`` is a method of is garbage (a factory dropped without ``close()``
    must not go on purging from a thread nobody can reach)."""

    def __init__(self, purge: Callable[[], int], interval: float) -> None:
        self._purge = weakref.WeakMethod(purge)
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """End the thread; ``wait``: until a purge under way has finished."""
        self._stopped.set()
        if wait and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval) and self._purge_once():
            pass

    def _purge_once(self) -> bool:
        """Purge once; ``False`` when the owner is gone (the bound method lives only in this frame)."""
        purge = self._purge()
        if purge is None:
            return False
        try:
            purged = purge()
        except DAOError as exc:
            log.warning("purging expired rows failed: %s", str(exc))  # not exc: its frames hold the owner
            return True
        if purged:
            log.debug("purged %d expired rows", purged)
        return True
