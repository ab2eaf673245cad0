"""Request counters of the rate-limiting plugins, per API, identifier and period.

Each ``increment`` adds to six counters, one per period (second to year)
that the moment falls in; the rows are created on first use. Counters are
the store's own atomic increments (Cassandra counter columns, an
``INSERT ... ON CONFLICT DO UPDATE`` on SQL), so concurrent increments
never lose a count.
"""
from __future__ import annotations

import datetime
from typing import Any

from kong_orm.repository import Repository, Row
from kong_orm.schema.entity import Entity
from kong_orm.schema.fields import MAX_TIMESTAMP, Field, Kind

PERIODS = ("second", "minute", "hour", "day", "month", "year")
_KEY = ("api_id", "identifier", "period_date", "period")


def metrics_entity(name: str) -> Entity:
    """A counter table keyed by API, identifier, period start and period name."""
    return Entity(
        name=name,
        primary_key=_KEY,
        partition_key=_KEY,
        fields=(
            Field("api_id", Kind.ID, required=True),
            Field("identifier", Kind.STRING, required=True),
            Field("period_date", Kind.TIMESTAMP, required=True),
            Field("period", Kind.STRING, required=True),
            Field("value", Kind.COUNTER),
        ),
    )


def period_starts(timestamp_ms: int) -> dict[str, int]:
    """The start (ms since the epoch, UTC) of each period the moment falls in."""
    moment = datetime.datetime.fromtimestamp(timestamp_ms // 1000, tz=datetime.timezone.utc)
    starts = {
        "second": moment,
        "minute": moment.replace(second=0),
        "hour": moment.replace(minute=0, second=0),
        "day": moment.replace(hour=0, minute=0, second=0),
        "month": moment.replace(day=1, hour=0, minute=0, second=0),
        "year": moment.replace(month=1, day=1, hour=0, minute=0, second=0),
    }
    return {period: int(start.timestamp()) * 1000 for period, start in starts.items()}


class RateLimitingMetrics:
    """The ``ratelimiting_metrics`` DAO: Kong 0.8's ``increment``, ``find`` and ``count``.

    ``repository`` (the generic DAO of the table) stays available for reads.
    """

    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def increment(self, api_id: Any, identifier: str, current_timestamp_ms: int, value: int) -> None:
        """Add ``value`` to the counter of every period of that moment."""
        self._increment(api_id, identifier, current_timestamp_ms, value, "")

    def find(self, api_id: Any, identifier: str, current_timestamp_ms: int, period: str) -> Row | None:
        """The counter row of ``period`` (``"second"`` ... ``"year"``) at that moment, or ``None``."""
        return self._find(api_id, identifier, current_timestamp_ms, period, "")

    def count(self) -> int:
        """How many counter rows exist."""
        return self.repository.count()

    def _increment(self, api_id: Any, identifier: str, timestamp_ms: int, value: int, prefix: str) -> None:
        starts = period_starts(_timestamp(timestamp_ms))
        key = {"api_id": api_id, "identifier": identifier}
        self.repository.increment(
            {**key, "period_date": start, "period": prefix + period, "value": value} for period, start in starts.items()
        )

    def _find(self, api_id: Any, identifier: str, timestamp_ms: int, period: str, prefix: str) -> Row | None:
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
        start = period_starts(_timestamp(timestamp_ms))[period]
        return self.repository.find(
            {"api_id": api_id, "identifier": identifier, "period_date": start, "period": prefix + period}
        )


class ResponseRateLimitingMetrics(RateLimitingMetrics):
    """The ``response_ratelimiting_metrics`` DAO: counters per limit name.

    Stored periods are ``<name>_<period>`` (``video_second``), so every name shares the table.
    """

    def increment(  # type: ignore[override]
        self, api_id: Any, identifier: str, name: str, current_timestamp_ms: int, value: int
    ) -> None:
        """Add ``value`` to the counters of limit ``name`` for every period of that moment."""
        self._increment(api_id, identifier, current_timestamp_ms, value, f"{name}_")

    def find(  # type: ignore[override]
        self, api_id: Any, identifier: str, name: str, current_timestamp_ms: int, period: str
    ) -> Row | None:
        """The counter row of limit ``name`` and ``period`` at that moment, or ``None``."""
        return self._find(api_id, identifier, current_timestamp_ms, period, f"{name}_")


def _timestamp(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMESTAMP:
        raise ValueError(
            f"current_timestamp_ms must be a whole number of milliseconds from 0 to {MAX_TIMESTAMP} "
            f"(the year 9999), not {value!r}"
        )
    return value
