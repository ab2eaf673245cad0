"""Entity events, published after a write has committed."""
from __future__ import annotations

import copy
import enum
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)


class EventType(str, enum.Enum):
    """What happened to an entity."""

    ENTITY_CREATED = "ENTITY_CREATED"
    ENTITY_UPDATED = "ENTITY_UPDATED"
    ENTITY_DELETED = "ENTITY_DELETED"


Subscriber = Callable[[EventType, str, Mapping[str, Any]], Any]


class Events:
    """A list of subscribers, called in the writing thread.

    A subscriber that raises is logged and skipped: the write it reports has
    already committed.
    """

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event_type, entity_name, row)`` after every write.

        :return: a function that unsubscribes ``callback``.
        """
        with self._lock:
            self._subscribers += (callback,)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def clear(self) -> None:
        """Remove every subscriber."""
        with self._lock:
            self._subscribers = ()

    def publish(self, event_type: EventType, entity: str, row: Mapping[str, Any]) -> None:
        subscribers = self._subscribers
        if not subscribers:
            return
        row = copy.deepcopy(row)  # subscribers must not change the row the caller gets back
        for subscriber in subscribers:
            try:
                subscriber(event_type, entity, row)
            except Exception:
                log.exception("event subscriber %r failed on %s %s", subscriber, event_type.value, entity)

    def publish_deleted(self, removed: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """``ENTITY_DELETED`` for each ``(entity, row)`` removed (a delete's cascade, a purge)."""
        for entity, row in removed:
            self.publish(EventType.ENTITY_DELETED, entity, row)
