"""Entity events, published after a write has committed."""
from __future__ import annotations

import copy
import enum
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


class EventType(str, enum.Enum):
    """What happened to an entity."""

    ENTITY_CREATED = "ENTITY_CREATED"
    ENTITY_UPDATED = "ENTITY_UPDATED"
    ENTITY_DELETED = "ENTITY_DELETED"


Subscriber = Callable[[EventType, str, Mapping[str, Any]], Any]


@dataclass(frozen=True, eq=False)
class _Subscription:
    """One call of :meth:`Events.subscribe`: told apart from another of the same callback."""

    callback: Subscriber


class Events:
    """A list of subscribers, called in the writing thread.

    Each subscriber gets its own copy of the row: what one changes, neither
    the caller nor the other subscribers see. A subscriber that raises is
    logged and skipped: the write it reports has already committed.
    """

    def __init__(self) -> None:
        self._subscriptions: tuple[_Subscription, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event_type, entity_name, row)`` after every write.

        A callback subscribed twice is called twice.

        :return: a function that ends this subscription, and only this one.
        """
        subscription = _Subscription(callback)
        with self._lock:
            self._subscriptions += (subscription,)

        def unsubscribe() -> None:
            with self._lock:
                self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

        return unsubscribe

    def clear(self) -> None:
        """Remove every subscriber."""
        with self._lock:
            self._subscriptions = ()

    def publish(self, event_type: EventType, entity: str, row: Mapping[str, Any]) -> None:
        """Call every subscriber with ``row``, each with a copy of its own."""
        for subscription in self._subscriptions:
            try:
                subscription.callback(event_type, entity, copy.deepcopy(row))
            except Exception:
                log.exception("event subscriber %r failed on %s %s", subscription.callback, event_type.value, entity)

    def publish_deletions(self, deletions: Iterable[Sequence[tuple[str, Mapping[str, Any]]]]) -> int:
        """:meth:`publish_deleted` for each deletion as soon as it is yielded (so a failure
        later loses none of the events of those done); how many rows went."""
        count = 0
        for removed in deletions:
            self.publish_deleted(removed)
            count += len(removed)
        return count

    def publish_deleted(self, removed: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """``ENTITY_DELETED`` for each ``(entity, row)`` removed (a delete's cascade, a purge)."""
        for entity, row in removed:
            self.publish(EventType.ENTITY_DELETED, entity, row)
