"""Rows whose TTL has passed: removed with their descendants, and reported.

Reads never return an expired row, on any store. Purging removes what
expired together with every row referencing it, as a delete would, and
publishes ``ENTITY_DELETED`` for each: :meth:`DAOFactory.purge_expired` on
demand, and a :class:`Purger` thread every ``purge_interval`` seconds.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kong_orm.errors import DAOError

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 60.0
"""Seconds between two purges unless the ``purge_interval`` option says otherwise."""


class Purger:
    """Calls ``purge()`` every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, purge: Callable[[], int], interval: float) -> None:
        self._purge = purge
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kong_orm-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                purged = self._purge()
            except DAOError as exc:
                log.warning("purging expired rows failed: %s", exc)
                continue
            if purged:
                log.debug("purged %d expired rows", purged)
