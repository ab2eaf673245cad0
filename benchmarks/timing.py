"""Running calls and turning times into figures.

Single thread: every call is timed on its own; the figures are the median
and 90th percentile of all calls of all measured rounds. N threads: the
calls of a round are shared out among N threads started together; the
figure of a round is its wall time divided by the calls made (time per op
at full throughput), and the median and p90 are taken over rounds.
"""
from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.workload import Call


@dataclass
class Samples:
    """Seconds per call (or per row) of one op of one contender."""

    values: list[float] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> dict[str, Any] | None:
        if self.error is not None:
            return {"error": self.error}
        if not self.values:
            return None
        return {
            "median_us": statistics.median(self.values) * 1e6,
            "p90_us": percentile(self.values, 0.9) * 1e6,
            "samples": len(self.values),
        }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_serial(method: Callable[..., Any], calls: list[Call]) -> list[float]:
    """Time each call; seconds per row of each."""
    clock = time.perf_counter
    times = []
    for call in calls:
        start = clock()
        result = method(*call.args)
        elapsed = clock() - start
        times.append(elapsed / max(1, _weight(call, result)))
    return times


def run_threaded(method: Callable[..., Any], calls: list[Call], threads: int) -> list[float]:
    """Run the calls on ``threads`` threads; one figure: wall seconds per row."""
    shares = [calls[i::threads] for i in range(threads)]
    weights = [0] * threads
    errors: list[BaseException] = []
    ready = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        ready.wait()
        try:
            for call in shares[index]:
                weights[index] += _weight(call, method(*call.args))
        except BaseException as exc:  # reported by the caller's thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return [elapsed / max(1, sum(weights))]


def _weight(call: Call, result: Any) -> int:
    return int(result) if call.weight is None else call.weight
