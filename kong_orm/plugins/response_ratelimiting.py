"""response-ratelimiting: limits the upstream counts through a response header, per limit name.

Kong 0.8 put every limit message under ``config`` and checked the limit names in
no fixed order; kong_orm keys them by the limit they concern
(``config.limits.video``, ``config.limits`` when there is none), with Kong's
messages, and reports the first bad period of each limit, as rate-limiting does.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kong_orm.plugins.metrics import PERIODS, ResponseRateLimitingMetrics, metrics_entity
from kong_orm.plugins.rate_limiting import check_limits
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

LIMITS = Schema(fields=tuple(Field(period, Kind.NUMBER) for period in PERIODS), checks=(check_limits,), flexible=True)


def require_a_limit(config: Mapping[str, Any]) -> dict[str, str] | None:
    if not config.get("limits"):
        return {"limits": "You need to set at least one limit name"}
    return None


PLUGIN = Plugin(
    name="response-ratelimiting",
    config=Schema(
        fields=(
            Field("header_name", Kind.STRING, default="x-kong-limit"),
            Field("limits", Kind.TABLE, schema=lambda config: LIMITS),
            Field("continue_on_error", Kind.BOOLEAN, default=False),
            Field("block_on_first_violation", Kind.BOOLEAN, default=False),
        ),
        checks=(require_a_limit,),
    ),
    entities=(metrics_entity("response_ratelimiting_metrics"),),
    daos={"response_ratelimiting_metrics": ResponseRateLimitingMetrics},
    migrations=Path(__file__).parent / "migrations" / "response_ratelimiting",
)
