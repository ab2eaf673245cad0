"""rate-limiting: cap requests per second, minute, hour, day, month and year.

Kong 0.8 reported the last bad limit it found (``second=20, minute=10, hour=5``
gave the hour message); kong_orm reports the first, in period order (the minute
message), which is the one to fix first. The messages are Kong's.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kong_orm.plugins.metrics import PERIODS, RateLimitingMetrics, metrics_entity
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind


def check_limits(config: Mapping[str, Any]) -> dict[str, str] | None:
    """At least one limit, each positive, none lower than a shorter period's."""
    limits = [(period, config[period]) for period in PERIODS if config.get(period) is not None]
    if not limits:
        return {"": "You need to set at least one limit: " + ", ".join(PERIODS)}
    for period, limit in limits:
        if limit <= 0:
            return {"": f"Value for {period} must be greater than zero"}
    for (shorter, low), (longer, high) in zip(limits, limits[1:]):
        if high < low:
            return {"": f"The limit for {longer} cannot be lower than the limit for {shorter}"}
    return None


PLUGIN = Plugin(
    name="rate-limiting",
    config=Schema(
        fields=(
            *(Field(period, Kind.NUMBER) for period in PERIODS),
            Field("async", Kind.BOOLEAN, default=False),
            Field("continue_on_error", Kind.BOOLEAN, default=False),
        ),
        checks=(check_limits,),
    ),
    entities=(metrics_entity("ratelimiting_metrics"),),
    daos={"ratelimiting_metrics": RateLimitingMetrics},
    migrations=Path(__file__).parent / "migrations" / "rate_limiting",
)
